package dev.holdline.lifecycle.profile;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a profile file into a {@link ConfigDraft}.
 *
 * <p>The YAML is only <em>composed</em> into a node tree, never constructed into Java objects:
 * no type named in the file is ever instantiated (the {@link SafeConstructor} is there only as a
 * second line of defence), every value keeps its line number for error messages, and scalars are
 * read as the text the operator typed — so YAML 1.1's surprises ({@code 1:30} as the number 90,
 * {@code no} as false) never reach a setting. Every key is checked against the keys allowed at
 * its place, so a typo such as {@code drain_timout} is an error rather than a silently ignored
 * setting.
 */
final class ProfileFileReader {
    static final String STOP_TIMEOUT = "stop_timeout";
    static final String SAFETY_MARGIN = "safety_margin";
    static final String DEFAULT_PROFILE = "default_profile";
    static final String PROFILES = "profiles";
    static final String DRAIN_TIMEOUT = "drain_timeout";
    static final String WRAP_UP_NOTICE = "wrap_up_notice";
    static final String MATCH = "match";
    static final String AGENT_NAMES = "agent_names";
    static final String METADATA = "metadata";
    static final String ATTRIBUTES = "attributes";

    private static final List<String> TOP_KEYS = List.of(STOP_TIMEOUT, SAFETY_MARGIN, DEFAULT_PROFILE, PROFILES);
    private static final List<String> PROFILE_KEYS = List.of(DRAIN_TIMEOUT, WRAP_UP_NOTICE, MATCH);
    private static final List<String> MATCH_KEYS = List.of(AGENT_NAMES, METADATA, ATTRIBUTES);

    /** A profile file is a few dozen lines; anything near this is not one. */
    private static final int MAX_CODE_POINTS = 1 << 20;

    private final String file;

    private ProfileFileReader(Path file) {
        this.file = file.toString();
    }

    static ConfigDraft read(Path path) {
        ProfileFileReader reader = new ProfileFileReader(path);
        return reader.draft(reader.compose(readText(path)));
    }

    private static String readText(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw unreadable(path, "no such file", e);
        } catch (AccessDeniedException e) {
            throw unreadable(path, "permission denied", e);
        } catch (CharacterCodingException e) {
            throw unreadable(path, "it is not UTF-8 text", e);
        } catch (IOException e) {
            throw unreadable(path, e.toString(), e);
        }
    }

    private static ProfileConfigException unreadable(Path path, String why, IOException cause) {
        return new ProfileConfigException(path + ": cannot read the profile file (" + why
                + "). Fix: check the path and that the worker's user may read it", cause);
    }

    private Node compose(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        options.setNestingDepthLimit(16);
        options.setCodePointLimit(MAX_CODE_POINTS);
        Node root;
        try {
            root = new Yaml(new SafeConstructor(options)).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = mark == null ? file : file + " line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
            String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
            throw new ProfileConfigException(where + ": not valid YAML (" + problem + "). Fix: correct the YAML there", e);
        } catch (YAMLException e) {
            throw new ProfileConfigException(file + ": not valid YAML (" + e.getMessage() + "). Fix: correct the YAML", e);
        }
        if (root == null) {
            throw ConfigDraft.error(file, "the file has no settings. Fix: add profiles: with at least one profile");
        }
        return root;
    }

    private ConfigDraft draft(Node root) {
        ConfigDraft draft = new ConfigDraft(file);
        Map<String, Node> top = mapping(root, "", TOP_KEYS, "the top level", "a mapping with profiles:");
        Node node;
        if ((node = top.get(STOP_TIMEOUT)) != null) {
            draft.stopTimeout = duration(node, STOP_TIMEOUT);
            draft.stopTimeoutSource = StopTimeoutSource.FILE;
        }
        if ((node = top.get(SAFETY_MARGIN)) != null) {
            draft.safetyMargin = duration(node, SAFETY_MARGIN);
        }
        if ((node = top.get(DEFAULT_PROFILE)) != null) {
            draft.defaultProfile = new Sourced<>(text(node, DEFAULT_PROFILE, "a profile name"), at(node));
        }
        Node profiles = top.get(PROFILES);
        if (profiles == null) {
            throw ConfigDraft.error(at(root), "profiles is missing. Fix: add profiles: with at least one profile");
        }
        if (!(profiles instanceof MappingNode map) || map.getValue().isEmpty()) {
            throw ConfigDraft.error(at(profiles), "profiles must map profile names to their settings, but is "
                    + (profiles instanceof MappingNode ? "empty" : kind(profiles))
                    + ". Fix: add at least one profile, e.g. profiles: { default: { drain_timeout: 300s, wrap_up_notice: 30s } }");
        }
        Map<String, Integer> seen = new HashMap<>();
        for (NodeTuple entry : map.getValue()) {
            String name = key(entry.getKeyNode(), PROFILES + ": ", seen);
            if (name.isBlank()) {
                throw ConfigDraft.error(at(entry.getKeyNode()), "profiles: a profile name is empty. Fix: name the profile");
            }
            draft.profiles.put(name, profile(name, entry.getKeyNode(), entry.getValueNode()));
        }
        return draft;
    }

    private ConfigDraft.ProfileDraft profile(String name, Node keyNode, Node node) {
        String setting = "profile '" + name + "': ";
        Map<String, Node> settings = mapping(node, setting, PROFILE_KEYS, "profile '" + name + "'",
                "a mapping with drain_timeout and wrap_up_notice");
        Node drain = required(settings, DRAIN_TIMEOUT, keyNode, setting, "300s");
        Node wrapUp = required(settings, WRAP_UP_NOTICE, keyNode, setting, "30s");
        Node match = settings.get(MATCH);
        return new ConfigDraft.ProfileDraft(name, duration(drain, setting + DRAIN_TIMEOUT), duration(wrapUp, setting + WRAP_UP_NOTICE),
                match == null ? null : match(match, setting + MATCH));
    }

    private MatchRule match(Node node, String setting) {
        Map<String, Node> conditions = mapping(node, setting + ": ", MATCH_KEYS, setting,
                "a mapping such as { agent_names: [support] }");
        if (conditions.isEmpty()) {
            throw ConfigDraft.error(at(node), setting + " has no conditions, so it would match every job. Fix: give "
                    + "agent_names, metadata or attributes, or remove match");
        }
        List<String> agentNames = List.of();
        Node names = conditions.get(AGENT_NAMES);
        if (names != null) {
            if (!(names instanceof SequenceNode list)) {
                throw ConfigDraft.error(at(names), setting + ": " + AGENT_NAMES + " must be a list such as [support], not " + kind(names));
            }
            agentNames = new ArrayList<>();
            for (Node item : list.getValue()) {
                agentNames.add(text(item, setting + ": " + AGENT_NAMES + " entry", "an agent name"));
            }
            if (agentNames.isEmpty()) {
                throw emptyCondition(names, setting, AGENT_NAMES, "list at least one agent name");
            }
        }
        return new MatchRule(agentNames, textMap(conditions.get(METADATA), setting, METADATA),
                textMap(conditions.get(ATTRIBUTES), setting, ATTRIBUTES));
    }

    private Map<String, String> textMap(Node node, String setting, String key) {
        if (node == null) {
            return Map.of();
        }
        String where = setting + ": " + key;
        if (!(node instanceof MappingNode map)) {
            throw ConfigDraft.error(at(node), where + " must be a mapping such as { profile: support }, not " + kind(node));
        }
        if (map.getValue().isEmpty()) {
            throw emptyCondition(node, setting, key, "give at least one name: value pair");
        }
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        for (NodeTuple entry : map.getValue()) {
            String name = key(entry.getKeyNode(), where + ": ", seen);
            values.put(name, text(entry.getValueNode(), where + " '" + name + "'", "a value to compare with"));
        }
        return values;
    }

    private ProfileConfigException emptyCondition(Node node, String setting, String key, String fix) {
        return ConfigDraft.error(at(node), setting + ": " + key + " is empty. Fix: " + fix + ", or remove " + key);
    }

    /** A mapping's entries by key, refusing keys not in {@code allowed} and keys given twice. */
    private Map<String, Node> mapping(Node node, String setting, List<String> allowed, String what, String expected) {
        if (!(node instanceof MappingNode map)) {
            throw ConfigDraft.error(at(node), what + " must be " + expected + ", not " + kind(node));
        }
        Map<String, Node> entries = new LinkedHashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        for (NodeTuple entry : map.getValue()) {
            String key = key(entry.getKeyNode(), setting, seen);
            if (!allowed.contains(key)) {
                String suggestion = closest(key, allowed);
                throw ConfigDraft.error(at(entry.getKeyNode()), setting + "unknown setting '" + key + "'. Fix: "
                        + (suggestion == null ? "remove it" : "did you mean '" + suggestion + "'?")
                        + " (allowed here: " + String.join(", ", allowed) + ")");
            }
            entries.put(key, entry.getValueNode());
        }
        return entries;
    }

    /** A mapping key as text, refusing one given twice in the same mapping. */
    private String key(Node keyNode, String setting, Map<String, Integer> seen) {
        if (!(keyNode instanceof ScalarNode scalar)) {
            throw ConfigDraft.error(at(keyNode), setting + "a key is " + kind(keyNode) + ". Fix: use plain names as keys");
        }
        String key = scalar.getValue();
        Integer first = seen.putIfAbsent(key, line(keyNode));
        if (first != null) {
            throw ConfigDraft.error(at(keyNode), setting + "'" + key + "' is given twice (first on line " + first
                    + "). Fix: keep one of them");
        }
        return key;
    }

    private Node required(Map<String, Node> settings, String key, Node profileKey, String setting, String example) {
        Node node = settings.get(key);
        if (node == null) {
            throw ConfigDraft.error(at(profileKey), setting + key + " is missing. Fix: add it, e.g. " + key + ": " + example);
        }
        return node;
    }

    private Sourced<Duration> duration(Node node, String setting) {
        String text = text(node, setting, "a duration such as 300s");
        return new Sourced<>(ConfigDraft.duration(text, setting, at(node)), at(node));
    }

    /** A scalar's text as typed; refuses lists, mappings and empty values. */
    private String text(Node node, String setting, String expected) {
        if (!(node instanceof ScalarNode scalar)) {
            throw ConfigDraft.error(at(node), setting + " must be " + expected + ", not " + kind(node));
        }
        if (Tag.NULL.equals(scalar.getTag()) && scalar.isPlain()) { // empty, ~ or null, unquoted
            throw ConfigDraft.error(at(node), setting + " has no value. Fix: give " + expected);
        }
        return scalar.getValue();
    }

    private String at(Node node) {
        return file + " line " + line(node);
    }

    private static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    private static String kind(Node node) {
        return switch (node.getNodeId()) {
            case scalar -> "a single value";
            case sequence -> "a list";
            case mapping -> "a mapping";
            default -> "an alias";
        };
    }

    /** The allowed key a typo most likely meant, or null when none is close. */
    private static String closest(String key, List<String> allowed) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : allowed) {
            int d = editDistance(key.toLowerCase(), candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.max(2, best.length() / 4) ? best : null;
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
