package org.sparselora4j.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code sparselora4j} command: dispatches to one {@link Command}. Exit codes: 0 success, 1 failure
 * (bad file, failed run), 2 usage error (unknown command or flag, bad value).
 */
public final class Main {
    private Main() {
    }

    static List<Command> commands() {
        return List.of(new FinetuneCommand(), new PretrainCommand(), new MakeTaskCommand(), new GenerateCommand(), new LogitsCommand(),
                new EvalCommand(), new ExportCommand(), new PruneCommand(), new SparsityReportCommand(), new BenchCommand(), new TokenizeCommand());
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    /** Runs one command line; returns the exit code instead of exiting (tests call this). */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        List<Command> commands = commands();
        if (argv.length > 0 && argv[0].equals(HeapPlan.FLAG)) return HeapPlan.print(Arrays.asList(argv).subList(1, argv.length), out);
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            out.print(usage(commands));
            return argv.length == 0 ? 2 : 0;
        }
        Command command = commands.stream().filter(c -> c.name().equals(argv[0])).findFirst().orElse(null);
        if (command == null) {
            err.println("sparselora4j: unknown command '" + argv[0] + "' (see 'sparselora4j --help')");
            return 2;
        }
        List<String> rest = Arrays.asList(argv).subList(1, argv.length);
        try {
            return command.dispatch(rest, out, err);
        } catch (UsageException e) {
            err.println("sparselora4j " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("sparselora4j " + command.name() + ": " + oneLine(e));
            if (System.getenv("SPARSELORA4J_TRACE") != null) e.printStackTrace(err);
            return 1;
        } catch (OutOfMemoryError e) {
            boolean direct = e.getMessage() != null && e.getMessage().contains("direct buffer memory");
            err.println("sparselora4j " + command.name() + ": out of memory (" + e.getMessage() + "); raise "
                    + (direct ? "-XX:MaxDirectMemorySize (native memory for compact weights)" : "-Xmx") + " with JAVA_OPTS");
            return 1;
        }
    }

    private static String oneLine(Throwable e) {
        if (e instanceof java.io.UncheckedIOException u && u.getCause() != null) e = u.getCause();  // its message repeats the class name
        String m = e.getMessage();
        if (m == null || m.isBlank()) m = e.getClass().getSimpleName();
        return m.replace('\n', ' ');
    }

    static String usage(List<Command> commands) {
        StringBuilder sb = new StringBuilder("""
                sparselora4j: fine-tune LLaMA-style models on the JVM (LoRA, SparseLoRA, LoSA).

                usage: sparselora4j COMMAND [flags]     (sparselora4j COMMAND --help for its flags)

                commands:
                """);
        for (Command c : commands) sb.append(String.format("  %-16s %s%n", c.name(), c.summary()));
        return sb.toString();
    }
}
