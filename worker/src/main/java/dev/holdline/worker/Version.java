package dev.holdline.worker;

/** This build's version, from the jar manifest when packaged. */
final class Version {
    private Version() {
    }

    static String current() {
        String v = Version.class.getPackage().getImplementationVersion();
        return "holdline/" + (v == null ? "dev" : v);
    }
}
