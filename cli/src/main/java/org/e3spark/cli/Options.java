package org.e3spark.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} pairs; every option a command reads is declared, unknown ones are errors. */
final class Options {

    private final Map<String, String> values;
    private final List<String> positionals;
    private final Set<String> read = new HashSet<>();
    private boolean positionalsRead;

    private Options(Map<String, String> values, List<String> positionals) {
        this.values = values;
        this.positionals = positionals;
    }

    static Options parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> positionals = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                positionals.add(a); // only commands that ask for them accept them (rejectUnknown)
                continue;
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = "true";
            }
            values.put(name, value);
        }
        return new Options(values, positionals);
    }

    String get(String name, String fallback) {
        read.add(name);
        return values.getOrDefault(name, fallback);
    }

    int getInt(String name, int fallback) {
        String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer, got '" + v + "'");
        }
    }

    List<String> getList(String name, String fallback) {
        List<String> out = new ArrayList<>();
        for (String s : get(name, fallback).split(",")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }

    double getDouble(String name, double fallback) {
        String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number, got '" + v + "'");
        }
    }

    /** Arguments that are not options (file names), in order. */
    List<String> positionals() {
        positionalsRead = true;
        return List.copyOf(positionals);
    }

    /** Fails on options nobody asked for (typos must not be ignored silently). */
    void rejectUnknown() {
        if (!positionalsRead && !positionals.isEmpty()) {
            throw new IllegalArgumentException("expected an option like --name value, got '" + positionals.getFirst() + "'");
        }
        for (String name : values.keySet()) {
            if (!read.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name + "; known: --" + String.join(", --", read));
            }
        }
    }
}
