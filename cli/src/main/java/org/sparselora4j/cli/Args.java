package org.sparselora4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The flags of one command: {@code --name value}, {@code --name=value}, or a bare {@code --name} for a switch.
 * A command declares its flags up front ({@link Flag}); anything else is a {@link UsageException} that names it.
 */
public final class Args {
    /** A flag a command accepts; {@code takesValue} is false for switches. */
    public record Flag(String name, boolean takesValue, String help) {
        public static Flag value(String name, String help) {
            return new Flag(name, true, help);
        }

        public static Flag toggle(String name, String help) {
            return new Flag(name, false, help);
        }
    }

    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();

    private Args(String command) {
        this.command = command;
    }

    /** Parses {@code argv} against the declared flags. */
    public static Args parse(String command, List<String> argv, List<Flag> flags) {
        Args args = new Args(command);
        Map<String, Flag> byName = new LinkedHashMap<>();
        for (Flag f : flags) byName.put(f.name(), f);
        for (int i = 0; i < argv.size(); i++) {
            String token = argv.get(i);
            if (!token.startsWith("--") || token.length() == 2) {
                throw new UsageException(command + ": unexpected argument '" + token + "' (see '" + command + " --help')");
            }
            String name = token.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Flag flag = byName.get(name);
            if (flag == null) throw new UsageException(command + ": unknown flag --" + name + " (see '" + command + " --help')");
            if (flag.takesValue()) {
                if (value == null) {
                    if (i + 1 >= argv.size()) throw new UsageException(command + ": --" + name + " needs a value");
                    value = argv.get(++i);
                }
            } else if (value != null) {
                throw new UsageException(command + ": --" + name + " takes no value");
            } else {
                value = "true";
            }
            if (args.values.put(name, value) != null) throw new UsageException(command + ": --" + name + " given twice");
        }
        return args;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public String required(String name) {
        String v = values.get(name);
        if (v == null) throw new UsageException(command + ": --" + name + " is required");
        return v;
    }

    public Path path(String name) {
        return Path.of(required(name));
    }

    public int integer(String name, int fallback, int min, int max) {
        String v = values.get(name);
        if (v == null) return fallback;
        int parsed;
        try {
            parsed = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " must be an integer, got '" + v + "'");
        }
        if (parsed < min || parsed > max) {
            throw new UsageException(command + ": --" + name + " must be in [" + min + ", " + max + "], got " + parsed);
        }
        return parsed;
    }

    public double number(String name, double fallback, double min, double max) {
        String v = values.get(name);
        if (v == null) return fallback;
        double parsed;
        try {
            parsed = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " must be a number, got '" + v + "'");
        }
        if (!(parsed >= min && parsed <= max)) {
            throw new UsageException(command + ": --" + name + " must be in [" + min + ", " + max + "], got " + v);
        }
        return parsed;
    }

    /** One of the given enum's constants, matched case-insensitively by name. */
    public <E extends Enum<E>> E choice(String name, Class<E> type, E fallback) {
        String v = values.get(name);
        if (v == null) return fallback;
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v.replace('-', '_'))) return e;
        }
        StringBuilder options = new StringBuilder();
        for (E e : type.getEnumConstants()) options.append(options.isEmpty() ? "" : "|").append(e.name().toLowerCase().replace('_', '-'));
        throw new UsageException(command + ": --" + name + " must be one of " + options + ", got '" + v + "'");
    }

    public boolean flag(String name) {
        return values.containsKey(name);
    }

    /**
     * The command line again, without the flags in {@code drop}: value flags as {@code --name=value}, toggles as
     * {@code --name} (how the data-parallel driver hands its flags to each replica).
     */
    public List<String> argv(List<Flag> flags, java.util.Set<String> drop) {
        Map<String, Flag> byName = new LinkedHashMap<>();
        for (Flag f : flags) byName.put(f.name(), f);
        List<String> out = new java.util.ArrayList<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (drop.contains(e.getKey())) continue;
            Flag f = byName.get(e.getKey());
            out.add(f != null && !f.takesValue() ? "--" + e.getKey() : "--" + e.getKey() + "=" + e.getValue());
        }
        return out;
    }
}
