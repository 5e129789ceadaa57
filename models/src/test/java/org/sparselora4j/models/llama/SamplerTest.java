package org.sparselora4j.models.llama;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SamplerTest {
    static float[] randomLogits(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] logits = new float[n];
        for (int i = 0; i < n; i++) logits[i] = (float) (random.nextDouble() * 8 - 4);
        return logits;
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    @Test
    void temperatureZeroIsArgmax() {
        for (long seed = 0; seed < 20; seed++) {
            float[] logits = randomLogits(100, seed);
            float[] copy = logits.clone();
            assertThat(Sampler.greedy().sample(logits)).isEqualTo(argmax(logits));
            assertThat(new Sampler(0f, 0.5f, 9).sample(logits)).isEqualTo(argmax(logits));
            assertThat(logits).containsExactly(copy);
        }
    }

    @Test
    void argmaxTakesTheFirstOfEqualMaxima() {
        assertThat(Sampler.greedy().sample(new float[] {1, 3, 2, 3})).isEqualTo(1);
    }

    @Test
    void topPNearZeroIsArgmax() {
        for (long seed = 0; seed < 50; seed++) {
            float[] logits = randomLogits(300, seed);
            Sampler sampler = new Sampler(1f, 1e-6f, seed + 1);
            for (int draw = 0; draw < 5; draw++) assertThat(sampler.sample(logits)).isEqualTo(argmax(logits));
        }
    }

    @Test
    void topPOnANearUniformDistributionStillPicksAToken() {
        // Every probability is below run.c's cutoff (1 − p)/(n − 1); run.c would read out of bounds here.
        float[] flat = new float[1000];
        flat[7] = 1e-7f;
        assertThat(new Sampler(1f, 1e-4f, 3).sample(flat)).isEqualTo(7);
    }

    @Test
    void aSeedRepeatsItsDraws() {
        float[] logits = randomLogits(50, 1);
        Sampler a = new Sampler(1f, 0.9f, 1234), b = new Sampler(1f, 0.9f, 1234), c = new Sampler(1f, 0.9f, 4321);
        int[] da = new int[40], db = new int[40], dc = new int[40];
        for (int i = 0; i < 40; i++) {
            da[i] = a.sample(logits);
            db[i] = b.sample(logits);
            dc[i] = c.sample(logits);
        }
        assertThat(da).containsExactly(db);
        assertThat(da).isNotEqualTo(dc);
    }

    @Test
    void randomNumbersAreRunCsXorshift() {
        // run.c's random_u32 and random_f32, recomputed in unsigned 64-bit arithmetic with BigInteger.
        Sampler sampler = new Sampler(1f, 0.9f, 42);
        java.math.BigInteger mask = java.math.BigInteger.ONE.shiftLeft(64).subtract(java.math.BigInteger.ONE);
        java.math.BigInteger state = java.math.BigInteger.valueOf(42);
        for (int i = 0; i < 100; i++) {
            state = state.xor(state.shiftRight(12));
            state = state.xor(state.shiftLeft(25)).and(mask);
            state = state.xor(state.shiftRight(27));
            long u32 = state.multiply(new java.math.BigInteger("2545F4914F6CDD1D", 16)).and(mask).shiftRight(32).longValue();
            float expected = (u32 >>> 8) / 16777216.0f;
            assertThat(sampler.nextFloat()).isEqualTo(expected).isBetween(0f, 1f);
        }
    }

    @Test
    void temperatureOneFollowsTheSoftmax() {
        float[] logits = {0f, (float) Math.log(2), (float) Math.log(3), (float) Math.log(4)}; // probabilities 0.1 .. 0.4
        Sampler sampler = new Sampler(1f, 1f, 7);
        int draws = 40_000;
        int[] counts = new int[4];
        for (int i = 0; i < draws; i++) counts[sampler.sample(logits)]++;
        for (int i = 0; i < 4; i++) assertThat(counts[i] / (double) draws).isCloseTo((i + 1) / 10.0, within(0.01));
    }

    @Test
    void lowTemperatureSharpensAndHighTemperatureFlattens() {
        float[] logits = {0f, 1f, 2f};
        assertThat(frequencyOfArgmax(logits, 0.1f)).isGreaterThan(0.99);
        double atOne = frequencyOfArgmax(logits, 1f); // e² / (1 + e + e²) = 0.665
        assertThat(atOne).isCloseTo(0.665, within(0.02));
        assertThat(frequencyOfArgmax(logits, 100f)).isCloseTo(1 / 3.0, within(0.02));
    }

    @Test
    void topPKeepsOnlyTheNucleus() {
        // probabilities 0.5, 0.3, 0.15, 0.05: with p = 0.7 the nucleus is {0, 1} (0.5 + 0.3 > 0.7), drawn 5:3.
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        Sampler sampler = new Sampler(1f, 0.7f, 11);
        int draws = 40_000;
        int[] counts = new int[4];
        for (int i = 0; i < draws; i++) counts[sampler.sample(logits)]++;
        assertThat(counts[2] + counts[3]).isZero();
        assertThat(counts[0] / (double) draws).isCloseTo(0.625, within(0.01));
    }

    @Test
    void badSettingsAreRejected() {
        assertThatThrownBy(() -> new Sampler(-1f, 0.9f, 1)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new Sampler(Float.NaN, 0.9f, 1)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new Sampler(1f, 0.9f, 0)).hasMessageContaining("seed");
    }

    private static double frequencyOfArgmax(float[] logits, float temperature) {
        Sampler sampler = new Sampler(temperature, 1f, 5);
        int hits = 0, draws = 20_000;
        for (int i = 0; i < draws; i++) if (sampler.sample(logits) == argmax(logits)) hits++;
        return hits / (double) draws;
    }
}
