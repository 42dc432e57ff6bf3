package dev.holdline.loadtest.drill;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The live progress line: a bar of ended calls, counts, the phase and each worker's state and
 * sessions. On a terminal it redraws one line four times a second; otherwise (CI logs) it prints a
 * line every ten seconds.
 */
final class Progress implements AutoCloseable {
    /** What a run reports about itself. */
    record Snapshot(String mode, long elapsedMillis, int planned, int started, int ended, int active, int cut,
                    String phase, String workers) {
    }

    private static final int BAR = 24;
    private final PrintStream out;
    private final boolean terminal;
    private final Supplier<Snapshot> source;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("drill-progress").factory());
    private int lastLength;
    private final int width = terminalWidth();

    Progress(PrintStream out, boolean terminal, Supplier<Snapshot> source) {
        this.out = out;
        this.terminal = terminal;
        this.source = source;
        long period = terminal ? 250 : 10_000;
        timer.scheduleAtFixedRate(this::draw, period, period, TimeUnit.MILLISECONDS);
    }

    static String line(Snapshot s) {
        int filled = s.planned() == 0 ? 0 : s.ended() * BAR / s.planned();
        return String.format("%s [%s%s] %d/%d calls done, %d live, %d cut | %3d s | %s | %s", s.mode(), "#".repeat(filled),
                "-".repeat(BAR - filled), s.ended(), s.planned(), s.active(), s.cut(), s.elapsedMillis() / 1000, s.phase(),
                s.workers());
    }

    private synchronized void draw() {
        String text = line(source.get());
        if (terminal) {
            // A line wider than the terminal wraps, and \r would then redraw only its last part.
            text = text.length() > width ? text.substring(0, width - 1) + "…" : text;
            out.print("\r" + text + " ".repeat(Math.max(0, lastLength - text.length())));
            lastLength = text.length();
        } else {
            out.println(text);
        }
        out.flush();
    }

    /** Stops redrawing and leaves the cursor on a fresh line. */
    @Override
    public synchronized void close() {
        timer.shutdownNow();
        if (terminal) {
            String text = line(source.get());
            text = text.length() > width ? text.substring(0, width - 1) + "…" : text;
            out.print("\r" + text + " ".repeat(Math.max(0, lastLength - text.length())) + System.lineSeparator());
            out.flush();
        }
    }

    /** $COLUMNS when the shell exports it, else 100. */
    private static int terminalWidth() {
        try {
            return Math.max(40, Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "100").trim()));
        } catch (NumberFormatException e) {
            return 100;
        }
    }

    /** Whether stdout is a terminal (JDK 22+ has Console.isTerminal; on 21 a console exists only for one). */
    static boolean stdoutIsTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }
}
