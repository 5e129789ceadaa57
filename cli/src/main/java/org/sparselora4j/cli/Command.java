package org.sparselora4j.cli;

import java.io.PrintStream;
import java.util.List;

/** One subcommand of {@code sparselora4j}: its flags, and how it runs. Results go to out, progress to err. */
public interface Command {
    String name();

    /** One line for the command list. */
    String summary();

    /** The flags it accepts. */
    List<Args.Flag> flags();

    /** Runs with parsed flags; returns the exit code. */
    int run(Args args, PrintStream out, PrintStream err) throws Exception;

    /** Parses the flags and runs; a command with subcommands overrides this to dispatch on the first word. */
    default int dispatch(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        if (argv.contains("--help") || argv.contains("-h")) {
            out.print(help());
            return 0;
        }
        return run(Args.parse(name(), argv, flags()), out, err);
    }

    /** The text of {@code COMMAND --help}. */
    default String help() {
        StringBuilder sb = new StringBuilder("usage: sparselora4j " + name() + " [flags]\n" + summary() + "\n\nflags:\n");
        for (Args.Flag f : flags()) {
            sb.append(String.format("  --%-22s %s%n", f.name() + (f.takesValue() ? " V" : ""), f.help()));
        }
        return sb.toString();
    }
}
