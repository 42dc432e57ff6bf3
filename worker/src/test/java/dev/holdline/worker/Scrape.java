package dev.holdline.worker;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of a worker's {@code /metrics}, as series → value (series written as in the text, e.g. {@code a{b="c"}}). */
record Scrape(String contentType, Map<String, Double> series) {
    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*})?) (\\S+)$");

    static Scrape of(HttpClient http, Worker worker) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + worker.healthPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + r.statusCode());
        }
        Map<String, Double> series = new HashMap<>();
        for (String line : r.body().split("\n")) {
            Matcher m = LINE.matcher(line);
            if (!line.startsWith("#") && m.matches()) {
                series.put(m.group(1), Double.parseDouble(m.group(2).replace("+Inf", "Infinity")));
            }
        }
        return new Scrape(r.headers().firstValue("Content-Type").orElse(""), series);
    }

    /** The value of a series, 0 when it is not there. */
    double get(String name) {
        return series.getOrDefault(name, 0.0);
    }
}
