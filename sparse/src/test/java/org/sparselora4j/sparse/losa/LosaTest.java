package org.sparselora4j.sparse.losa;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.data.Example;
import org.sparselora4j.lora.run.TrainConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LosaTest {
    @TempDir
    Path dir;

    private static LosaConfig config(double sparsity, PrunePattern pattern, LosaConfig.Schedule schedule) {
        TrainConfig training = new TrainConfig(2, 2, 1, 1e-2, 0, TrainConfig.ScheduleKind.LINEAR, 0, 0.001, 0.3, 7, 0, 0, 10);
        return new LosaConfig(sparsity, pattern, 3, LosaConfig.RatePolicy.CKA, LosaConfig.RankPolicy.ERROR, schedule,
                new LoraConfig(4, 8, 0.1f, EnumSet.allOf(Target.class)), 16, 2, 4, training, 3);
    }

    private Losa.Run run(LlamaWeights dense, LosaConfig config) throws Exception {
        Calibration calibration = Calibration.of(LosaFixtures.randomSequences(6, 12, 32, 1), 4);
        List<Example> train = LosaFixtures.randomSequences(8, 12, 32, 2).stream().map(t -> new Example(t, 1)).toList();
        return Losa.run(dense, calibration, train, List.of(), config, dir, new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void roundsFollowTheCubicScheduleAndTheMergedModelHasTheTargetSparsity() throws Exception {
        LlamaWeights dense = LosaFixtures.tiny(3, 1);
        Losa.Run run = run(dense, config(0.6, PrunePattern.unstructured(), LosaConfig.Schedule.CUBIC));
        assertThat(run.rounds()).hasSize(3);
        double previous = 0;
        for (Losa.Round r : run.rounds()) {
            assertThat(r.target()).isCloseTo(LayerRates.cubic(0.6, r.round(), 3), within(1e-12));
            assertThat(r.overall()).isCloseTo(r.target(), within(1e-3)).isGreaterThan(previous);
            for (int k : r.ranks()) assertThat(k).isBetween(1, 4);
            for (double e : r.errors()) assertThat(e).isPositive();
            previous = r.overall();
        }
        assertThat(Sparsity.of(run.merged()).overall()).isCloseTo(0.6, within(1e-3));
        assertThat(run.tokens()).isEqualTo(3 * 2 * 2 * 12);
        assertThat(Sparsity.of(dense).overall()).as("the dense input is untouched").isZero();
    }

    @Test
    void nOfMRoundsStepTowardsThePatternAndEndOnIt() throws Exception {
        Losa.Run run = run(LosaFixtures.tiny(2, 2), config(0.5, new PrunePattern.NOfM(2, 4), LosaConfig.Schedule.CUBIC));
        assertThat(run.rounds().stream().map(Losa.Round::pattern)).containsExactly("3:4", "2:4", "2:4");
        float[] up = run.merged().layers().get(1).up().toArray();
        for (int g = 0; g < up.length; g += 4) {
            int kept = 0;
            for (int j = g; j < g + 4; j++) if (up[j] != 0f) kept++;
            assertThat(kept).isLessThanOrEqualTo(2);
        }
        assertThat(Sparsity.of(run.merged()).overall()).isEqualTo(0.5);
    }

    @Test
    void oneShotPrunesToTheTargetInTheFirstRound() throws Exception {
        Losa.Run run = run(LosaFixtures.tiny(2, 3), config(0.5, PrunePattern.unstructured(), LosaConfig.Schedule.ONE_SHOT));
        assertThat(run.rounds().getFirst().target()).isEqualTo(0.5);
        assertThat(run.rounds().getFirst().overall()).isCloseTo(0.5, within(1e-3));
    }
}
