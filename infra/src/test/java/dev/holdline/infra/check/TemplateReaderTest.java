package dev.holdline.infra.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class TemplateReaderTest {

    @Test
    void yamlShortFormsBecomeLongForms() throws Exception {
        JsonNode t = TemplateReader.parse("""
                Resources:
                  A:
                    Type: X
                    Properties:
                      Ref: !Ref Other
                      Dotted: !GetAtt Role.Arn
                      Listed: !GetAtt [Role, Arn]
                      Sub: !Sub "arn:${AWS::Partition}:x"
                      If: !If [IsProd, !Ref Big, 100]
                      Date: 2010-09-09
                """, "inline.yaml");
        JsonNode p = t.at("/Resources/A/Properties");
        assertEquals(Fixtures.JSON.readTree("{\"Ref\":\"Other\"}"), p.get("Ref"));
        assertEquals(Fixtures.JSON.readTree("{\"Fn::GetAtt\":[\"Role\",\"Arn\"]}"), p.get("Dotted"));
        assertEquals(p.get("Dotted"), p.get("Listed"));
        assertEquals("arn:${AWS::Partition}:x", p.at("/Sub/Fn::Sub").asText());
        assertEquals(Fixtures.JSON.readTree("{\"Fn::If\":[\"IsProd\",{\"Ref\":\"Big\"},100]}"), p.get("If"));
        assertEquals("2010-09-09", p.get("Date").asText());
    }

    @Test
    void theYamlFixtureParsesAndPasses() {
        List<Finding> findings = TemplateChecker.check(TemplateReader.read(Fixtures.resource("good-template.yaml")), Fixtures.profiles());
        assertEquals("0 FAIL, 0 WARN", TemplateChecker.summary(findings), Fixtures.lines(findings));
        assertTrue(Fixtures.lines(findings).contains("EntryPoint [\"java\",\"-XX:+ExitOnOutOfMemoryError\",\"-jar\",\"/app/holdline-worker.jar\"]"
                + " is exec form"), Fixtures.lines(findings));
    }

    @Test
    void anUnknownTagIsRefusedWithItsLine() {
        TemplateException e = assertThrows(TemplateException.class,
                () -> TemplateReader.parse("Resources:\n  A:\n    Type: !Custom X\n", "t.yaml"));
        assertTrue(e.getMessage().startsWith("template t.yaml is not valid YAML"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown tag !Custom at line 3"), e.getMessage());
    }

    @Test
    void brokenJsonNamesTheLine() {
        TemplateException e = assertThrows(TemplateException.class,
                () -> TemplateReader.parse("{\n  \"Resources\": {\n    \"A\": \n  }\n}", "t.json"));
        assertTrue(e.getMessage().startsWith("template t.json is not valid JSON (line 4, column 3): "), e.getMessage());
    }

    @Test
    void duplicateKeysAreRefused() {
        assertThrows(TemplateException.class, () -> TemplateReader.parse("{\"Resources\": {}, \"Resources\": {}}", "t.json"));
        assertThrows(TemplateException.class, () -> TemplateReader.parse("Resources: {}\nResources: {}\n", "t.yaml"));
    }

    @Test
    void anEmptyFileIsRefused() {
        assertEquals("template t.json is empty",
                assertThrows(TemplateException.class, () -> TemplateReader.parse(" \n", "t.json")).getMessage());
    }
}
