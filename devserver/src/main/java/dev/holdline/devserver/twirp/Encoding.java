package dev.holdline.devserver.twirp;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** The two Twirp body encodings. A response uses the encoding of its request. */
enum Encoding {
    PROTOBUF("application/protobuf") {
        @Override
        Message decode(Message prototype, byte[] body) throws InvalidProtocolBufferException {
            return prototype.getParserForType().parseFrom(body);
        }

        @Override
        byte[] encode(Message message) {
            return message.toByteArray();
        }
    },
    JSON("application/json") {
        @Override
        Message decode(Message prototype, byte[] body) throws InvalidProtocolBufferException {
            Message.Builder builder = prototype.newBuilderForType();
            JSON_PARSER.merge(new String(body, StandardCharsets.UTF_8), builder);
            return builder.build();
        }

        @Override
        byte[] encode(Message message) throws InvalidProtocolBufferException {
            return JSON_PRINTER.print(message).getBytes(StandardCharsets.UTF_8);
        }
    };

    /** Twirp's Go server defaults: proto field names, zero values included; unknown fields tolerated on input. */
    private static final JsonFormat.Printer JSON_PRINTER =
            JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence();
    private static final JsonFormat.Parser JSON_PARSER = JsonFormat.parser().ignoringUnknownFields();

    private final String contentType;

    Encoding(String contentType) {
        this.contentType = contentType;
    }

    String contentType() {
        return contentType;
    }

    abstract Message decode(Message prototype, byte[] body) throws InvalidProtocolBufferException;

    abstract byte[] encode(Message message) throws InvalidProtocolBufferException;

    /** @return the encoding for a Content-Type header (parameters ignored), or null if unsupported */
    static Encoding forContentType(String header) {
        if (header == null) {
            return null;
        }
        int semicolon = header.indexOf(';');
        String mediaType = (semicolon < 0 ? header : header.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
        return switch (mediaType) {
            case "application/protobuf", "application/x-protobuf" -> PROTOBUF;
            case "application/json" -> JSON;
            default -> null;
        };
    }
}
