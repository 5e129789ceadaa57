package org.sparselora4j.cli.fuzz;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every parser's valid input mutated many ways (see {@link FuzzRunner} for what a case must do). The default run
 * is a few thousand cases; the slow run at least 100,000. {@code -Dfuzz.seed=S} picks the seed (printed either
 * way), {@code -Dfuzz.target=NAME -Dfuzz.case=I} replays one case, {@code -Dfuzz.cases=N} sets cases per target.
 */
class ParserFuzzTest {
    @TempDir
    Path tmp;

    static final int DEFAULT_CASES = 200;
    static final int SLOW_CASES = 4500;

    @Test
    void everyParserSurvivesMutatedInput() throws IOException {
        run(Integer.getInteger("fuzz.cases", DEFAULT_CASES));
    }

    @Test
    @Tag("slow")
    void everyParserSurvivesAHundredThousandMutatedInputs() throws IOException {
        run(Integer.getInteger("fuzz.cases", SLOW_CASES));
    }

    private void run(int cases) throws IOException {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        List<FuzzTarget> targets = Targets.all();
        String only = System.getProperty("fuzz.target");
        int from = 0, to = cases;
        if (only != null) {
            targets = targets.stream().filter(t -> t.name().equals(only)).toList();
            assertThat(targets).as("no fuzz target named " + only).isNotEmpty();
            if (Integer.getInteger("fuzz.case") != null) {
                from = Integer.getInteger("fuzz.case");
                to = from + 1;
            }
        }
        long t0 = System.nanoTime();
        FuzzRunner.Report r = new FuzzRunner(seed, Long.getLong("fuzz.limit.ms", 10_000), tmp).run(targets, from, to);
        System.out.printf("fuzz: seed %d, %d cases over %d parsers in %.1f s: %d accepted, %d rejected with the documented exception, %d failures%n",
                seed, r.cases(), targets.size(), (System.nanoTime() - t0) / 1e9, r.accepted(), r.rejected(), r.failures().size());
        // One example of each kind of failure (target and the problem up to its first colon), with how many there were.
        Map<String, List<FuzzRunner.Failure>> kinds = new TreeMap<>();
        for (FuzzRunner.Failure f : r.failures()) {
            String problem = f.problem();
            kinds.computeIfAbsent(f.target() + ": " + problem.substring(0, Math.max(0, problem.indexOf(':'))), k -> new ArrayList<>()).add(f);
        }
        kinds.forEach((kind, list) -> System.out.println("fuzz failure x" + list.size() + ": " + list.get(0)));
        assertThat(r.failures().size()).as("fuzz failures with seed " + seed + " (listed above)").isZero();
    }
}
