package dev.holdline.infra.check;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a CloudFormation template file, JSON or YAML, into a Jackson tree.
 *
 * <p>A file whose first non-blank character is <code>{</code> is read as JSON, anything else as
 * YAML. YAML short-form intrinsic functions ({@code !Ref X}, {@code !GetAtt X.Arn}, {@code !Sub},
 * {@code !If}, ...) become their long forms ({@code {"Ref": "X"}}, {@code {"Fn::GetAtt": ["X", "Arn"]}}),
 * so the checks see one shape; any other tag is refused with its line. YAML timestamps stay text.
 */
public final class TemplateReader {
    /** CloudFormation's own limit for a template in S3 is 1 MB; leave room for YAML's verbosity. */
    private static final int MAX_CODE_POINTS = 8 << 20;

    /** Short-form tag → long-form key; every intrinsic function and condition function CloudFormation has. */
    private static final Map<String, String> SHORT_FORMS = Map.ofEntries(
            Map.entry("!Ref", "Ref"),
            Map.entry("!Condition", "Condition"),
            Map.entry("!Base64", "Fn::Base64"),
            Map.entry("!Cidr", "Fn::Cidr"),
            Map.entry("!FindInMap", "Fn::FindInMap"),
            Map.entry("!GetAtt", "Fn::GetAtt"),
            Map.entry("!GetAZs", "Fn::GetAZs"),
            Map.entry("!ImportValue", "Fn::ImportValue"),
            Map.entry("!Join", "Fn::Join"),
            Map.entry("!Select", "Fn::Select"),
            Map.entry("!Split", "Fn::Split"),
            Map.entry("!Sub", "Fn::Sub"),
            Map.entry("!Transform", "Fn::Transform"),
            Map.entry("!Length", "Fn::Length"),
            Map.entry("!ToJsonString", "Fn::ToJsonString"),
            Map.entry("!And", "Fn::And"),
            Map.entry("!Equals", "Fn::Equals"),
            Map.entry("!If", "Fn::If"),
            Map.entry("!Not", "Fn::Not"),
            Map.entry("!Or", "Fn::Or"));

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private TemplateReader() {
    }

    /**
     * @throws TemplateException naming {@code file} and what is wrong with it
     */
    public static JsonNode read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new TemplateException("cannot read template " + file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new TemplateException("cannot read template " + file + ": permission denied", e);
        } catch (CharacterCodingException e) {
            throw new TemplateException("cannot read template " + file + ": it is not UTF-8 text", e);
        } catch (IOException e) {
            throw new TemplateException("cannot read template " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /**
     * Parses template text; {@code name} is what messages call it.
     *
     * @throws TemplateException naming {@code name} and the problem, with line and column where known
     */
    public static JsonNode parse(String text, String name) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        if (body.isBlank()) {
            throw new TemplateException("template " + name + " is empty");
        }
        return body.strip().startsWith("{") ? parseJson(body, name) : parseYaml(body, name);
    }

    private static JsonNode parseJson(String text, String name) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            throw new TemplateException("template " + name + " is not valid JSON" + where + ": " + e.getOriginalMessage(), e);
        }
    }

    private static JsonNode parseYaml(String text, String name) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setCodePointLimit(MAX_CODE_POINTS);
        options.setMaxAliasesForCollections(50);
        Object tree;
        try {
            tree = new Yaml(new CloudFormationConstructor(options)).load(text);
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = mark == null ? "" : " (line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ")";
            String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
            throw new TemplateException("template " + name + " is not valid YAML" + where + ": " + problem, e);
        } catch (YAMLException e) {
            throw new TemplateException("template " + name + " is not valid YAML: " + e.getMessage(), e);
        }
        try {
            return JSON.valueToTree(tree);
        } catch (IllegalArgumentException e) {
            throw new TemplateException("template " + name + " holds a YAML value that is not JSON data: " + e.getMessage(), e);
        }
    }

    /** SnakeYAML's safe constructor plus CloudFormation's short-form tags; timestamps stay strings. */
    private static final class CloudFormationConstructor extends SafeConstructor {
        CloudFormationConstructor(LoaderOptions options) {
            super(options);
            SHORT_FORMS.forEach((tag, function) -> yamlConstructors.put(new Tag(tag), new ShortForm(function)));
            yamlConstructors.put(Tag.TIMESTAMP, new ConstructYamlStr());
            yamlConstructors.put(null, new AbstractConstruct() { // any other tag
                @Override
                public Object construct(Node node) {
                    throw new YAMLException("unknown tag " + node.getTag().getValue() + " at line " + (node.getStartMark().getLine() + 1)
                            + " (CloudFormation short forms such as !Ref, !GetAtt and !Sub are understood)");
                }
            });
        }

        private final class ShortForm extends AbstractConstruct {
            private final String function;

            ShortForm(String function) {
                this.function = function;
            }

            @Override
            public Object construct(Node node) {
                Object argument = switch (node) {
                    case ScalarNode scalar -> constructScalar(scalar);
                    case SequenceNode sequence -> constructSequence(sequence);
                    case MappingNode mapping -> constructMapping(mapping);
                    default -> throw new YAMLException("unexpected node for " + function);
                };
                if (function.equals("Fn::GetAtt") && argument instanceof String dotted) {
                    int dot = dotted.indexOf('.');
                    argument = dot < 0 ? List.of(dotted) : new ArrayList<>(List.of(dotted.substring(0, dot), dotted.substring(dot + 1)));
                }
                return Map.of(function, argument);
            }
        }
    }
}
