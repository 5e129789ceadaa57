package org.sparselora4j.cli.fuzz;

import org.sparselora4j.models.format.Json;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Mutations that keep JSON well-formed but change what it says: a value replaced by a huge, negative, fractional or
 * non-finite number, by another type or by deep nesting; a key removed or renamed; a list element dropped or
 * repeated (lying counts); strings emptied, lengthened or given lone surrogates. Also for the JSON inside other
 * files: one line of a JSONL file, the header of a safetensors file.
 */
final class JsonMutations {
    /** JSON text put in place of a value. */
    static final String[] VALUES = {"0", "-1", "1", "2", "2147483647", "2147483648", "-2147483649", "4294967296",
            "9223372036854775807", "-9223372036854775808", "99999999999999999999999", "1e308", "1e999", "-1e999", "0.5",
            "-0.0", "1e-320", "3.0", "true", "false", "null", "\"\"", "\"x\"", "\"\\ud800\"", "[]", "{}", "[1,2,3]",
            "[-1,-1]", "[0,9223372036854775807]", "{\"a\":1}", "[\"\"]", "[null]"};

    private JsonMutations() {
    }

    /** Mutations of a whole-file JSON document, with the byte mutations for text that no longer parses. */
    static List<Mutation> document() {
        List<Mutation> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) all.add(JsonMutations::tree);
        all.add(JsonMutations::deepNesting);
        all.addAll(ByteMutations.all());
        return all;
    }

    /** Mutations of JSONL: one line's JSON, whole lines repeated or removed, and byte mutations. */
    static List<Mutation> lines() {
        List<Mutation> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) all.add(JsonMutations::oneLine);
        all.add(JsonMutations::deepNesting);
        all.addAll(ByteMutations.all());
        return all;
    }

    /** Mutations of a safetensors file's header JSON (length fixed up most of the time), and byte mutations. */
    static List<Mutation> safetensors() {
        List<Mutation> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) all.add(JsonMutations::safetensorsHeader);
        all.addAll(ByteMutations.all());
        return all;
    }

    static byte[] tree(byte[] in, SplittableRandom r, StringBuilder log) {
        Object root;
        try {
            root = Json.parse(new String(in, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return ByteMutations.flipBits(in, r, log);
        }
        Object mutated = mutate(root, r, log);
        return JsonText.write(mutated).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] oneLine(byte[] in, SplittableRandom r, StringBuilder log) {
        String[] lines = new String(in, StandardCharsets.UTF_8).split("\n", -1);
        int i = r.nextInt(lines.length);
        int kind = r.nextInt(8);
        List<String> out = new ArrayList<>(Arrays.asList(lines));
        if (kind == 0) {
            log.append("drop line ").append(i + 1).append("; ");
            out.remove(i);
        } else if (kind == 1) {
            log.append("repeat line ").append(i + 1).append("; ");
            out.add(i, lines[i]);
        } else {
            log.append("line ").append(i + 1).append(": ");
            out.set(i, new String(tree(lines[i].getBytes(StandardCharsets.UTF_8), r, log), StandardCharsets.UTF_8));
        }
        return String.join("\n", out).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] deepNesting(byte[] in, SplittableRandom r, StringBuilder log) {
        int depth = new int[] {100, 511, 513, 5000, 100_000}[r.nextInt(5)];
        String nest = r.nextBoolean() ? "[".repeat(depth) + "1" + "]".repeat(depth) : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
        String text = new String(in, StandardCharsets.UTF_8);
        // Replace the first value after a colon, or the whole text.
        int colon = text.indexOf(':', r.nextInt(Math.max(1, text.length())));
        if (colon < 0) colon = text.indexOf(':');
        log.append("nesting ").append(depth).append(" deep; ");
        if (colon < 0) return nest.getBytes(StandardCharsets.UTF_8);
        return (text.substring(0, colon + 1) + nest + "," + text.substring(colon + 1)).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] safetensorsHeader(byte[] in, SplittableRandom r, StringBuilder log) {
        if (in.length < 8) return in;
        long n = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (n < 2 || n > in.length - 8) return ByteMutations.lyingLong(in, r, log);
        byte[] header = Arrays.copyOfRange(in, 8, 8 + (int) n);
        byte[] mutated = tree(header, r, log);
        long told = r.nextInt(5) == 0 ? n : mutated.length;
        log.append("header length ").append(told).append("; ");
        ByteBuffer out = ByteBuffer.allocate(8 + mutated.length + in.length - 8 - (int) n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(told).put(mutated).put(in, 8 + (int) n, in.length - 8 - (int) n);
        return out.array();
    }

    /** The tree with one node changed; the root itself may be replaced. */
    static Object mutate(Object root, SplittableRandom r, StringBuilder log) {
        List<Object> containers = new ArrayList<>();
        collect(root, containers);
        if (containers.isEmpty() || r.nextInt(20) == 0) {
            String v = VALUES[r.nextInt(VALUES.length)];
            log.append("root := ").append(v).append("; ");
            return new JsonText.Raw(v);
        }
        Object c = containers.get(r.nextInt(containers.size()));
        if (c instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) m;
            if (map.isEmpty()) {
                map.put("x", new JsonText.Raw(VALUES[r.nextInt(VALUES.length)]));
                log.append("add key; ");
                return root;
            }
            List<String> keys = new ArrayList<>(map.keySet());
            String key = keys.get(r.nextInt(keys.size()));
            switch (r.nextInt(5)) {
                case 0 -> {
                    map.remove(key);
                    log.append("remove ").append(key).append("; ");
                }
                case 1 -> {
                    Object v = map.remove(key);
                    String renamed = key.isEmpty() ? "_" : key.substring(0, key.length() - 1) + (char) (key.charAt(key.length() - 1) ^ 1);
                    map.put(renamed, v);
                    log.append("rename ").append(key).append("; ");
                }
                default -> {
                    Object v = replacement(map.get(key), r, log);
                    map.put(key, v);
                    log.append(" at ").append(key).append("; ");
                }
            }
        } else {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) c;
            if (list.isEmpty()) {
                list.add(new JsonText.Raw(VALUES[r.nextInt(VALUES.length)]));
                log.append("add element; ");
                return root;
            }
            int i = r.nextInt(list.size());
            switch (r.nextInt(5)) {
                case 0 -> {
                    list.remove(i);
                    log.append("remove element ").append(i).append("; ");
                }
                case 1 -> {
                    int times = 1 + r.nextInt(r.nextBoolean() ? 2 : 1000);
                    for (int k = 0; k < times; k++) list.add(i, list.get(i));
                    log.append("repeat element ").append(i).append(" x").append(times).append("; ");
                }
                default -> {
                    list.set(i, replacement(list.get(i), r, log));
                    log.append(" at element ").append(i).append("; ");
                }
            }
        }
        return root;
    }

    private static Object replacement(Object old, SplittableRandom r, StringBuilder log) {
        if (old instanceof String s && r.nextBoolean()) {
            String v = switch (r.nextInt(6)) {
                case 0 -> "";
                case 1 -> s + s;
                case 2 -> s + "\ud800";
                case 3 -> "x".repeat(1 + r.nextInt(100_000));
                case 4 -> s.isEmpty() ? "\u0000" : s.substring(0, r.nextInt(s.length()));
                default -> s.toUpperCase();
            };
            log.append("string (").append(v.length()).append(" chars)");
            return v;
        }
        if (old instanceof Long n && r.nextBoolean()) {
            long v = switch (r.nextInt(5)) {
                case 0 -> -n;
                case 1 -> n + 1;
                case 2 -> n - 1;
                case 3 -> n * 1000;
                default -> ByteMutations.INTERESTING[r.nextInt(ByteMutations.INTERESTING.length)];
            };
            log.append("number ").append(v);
            return v;
        }
        if (r.nextInt(6) == 0) {
            log.append("wrapped in a list");
            return new ArrayList<>(List.of(old == null ? new JsonText.Raw("null") : old));
        }
        String v = VALUES[r.nextInt(VALUES.length)];
        log.append(":= ").append(v);
        return new JsonText.Raw(v);
    }

    private static void collect(Object node, List<Object> out) {
        if (node instanceof Map<?, ?> m) {
            out.add(m);
            for (Object v : m.values()) collect(v, out);
        } else if (node instanceof List<?> l) {
            out.add(l);
            for (Object v : l) collect(v, out);
        }
    }

    /** A fresh mutable copy, for trees that must not be shared between cases. */
    static Object copy(Object node) {
        if (node instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) out.put((String) e.getKey(), copy(e.getValue()));
            return out;
        }
        if (node instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object v : l) out.add(copy(v));
            return out;
        }
        return node;
    }
}
