package org.sparselora4j.cli;

import java.io.PrintStream;
import java.util.List;

/** {@code bench SUBCOMMAND}: timing runs that print one JSON line. */
final class BenchCommand implements Command {
    private final List<Command> subcommands = List.of(new BenchGemmCommand(), new BenchGenerateCommand(), new BenchStepCommand());

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "time kernels and training steps (bench gemm | bench step); one JSON line on stdout";
    }

    @Override
    public List<Args.Flag> flags() {
        return List.of();
    }

    @Override
    public int dispatch(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        if (argv.isEmpty() || argv.get(0).equals("--help") || argv.get(0).equals("-h")) {
            out.print(help());
            return argv.isEmpty() ? 2 : 0;
        }
        for (Command sub : subcommands) {
            if (sub.name().equals("bench " + argv.get(0))) return sub.dispatch(argv.subList(1, argv.size()), out, err);
        }
        throw new UsageException("bench: unknown benchmark '" + argv.get(0) + "' (see 'bench --help')");
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) {
        throw new UsageException("bench: name a benchmark");
    }

    @Override
    public String help() {
        StringBuilder sb = new StringBuilder("usage: sparselora4j bench BENCHMARK [flags]\n" + summary() + "\n\nbenchmarks:\n");
        for (Command c : subcommands) sb.append(String.format("  %-12s %s%n", c.name(), c.summary()));
        return sb.toString();
    }
}
