package org.sparselora4j.sparse.losa;

import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.run.TrainConfig;

/**
 * Settings of a LoSA run (METHODS 2.3-2.7). The three policies exist for the paper's ablations.
 *
 * @param sparsity      target fraction S of zeros in the seven projections of every block, in [0, 1); for an
 *                      N:M pattern it must equal 1 − N/M
 * @param pattern       unstructured (rates per layer) or N:M (the same pattern in every layer)
 * @param rounds        T, rounds of prune-then-fine-tune (5 in the paper)
 * @param rates         CKA-based layer rates or one rate for all layers
 * @param ranks         reconstruction-error ranks or one rank for all layers
 * @param schedule      the cubic schedule S_t = S·(1 − (1 − t/T)³), or S from the first round on
 * @param lora          masked LoRA settings; its rank is rMax (8) and its scale alpha / rMax
 * @param rankCap       the cap of the rank allocation (16 in the reference; the effective rank is min(r_l, rMax))
 * @param firstMeanRank r̄ of round 1; round t uses r̄ + t − 1 (6 in the reference)
 * @param ckaSequences  calibration sequences whose layer inputs feed CKA (the first ones; 64 in the reference)
 * @param training      the training loop of one round (steps per round, batch, learning rate, warm-up, schedule);
 *                      round t uses seed + t
 * @param seed          LoRA initialisation and dropout
 */
public record LosaConfig(double sparsity, PrunePattern pattern, int rounds, RatePolicy rates, RankPolicy ranks, Schedule schedule,
                         LoraConfig lora, int rankCap, int firstMeanRank, int ckaSequences, TrainConfig training, long seed) {
    /** How layer rates are chosen. */
    public enum RatePolicy { CKA, UNIFORM }

    /** How per-layer LoRA ranks are chosen. */
    public enum RankPolicy { ERROR, UNIFORM }

    /** How the target grows over rounds. */
    public enum Schedule { CUBIC, ONE_SHOT }

    public LosaConfig {
        if (!(sparsity >= 0 && sparsity < 1)) throw new IllegalArgumentException("sparsity must be in [0, 1), got " + sparsity);
        if (pattern instanceof PrunePattern.NOfM nm && Math.abs(nm.sparsity() - sparsity) > 1e-9) {
            throw new IllegalArgumentException("an N:M pattern " + nm + " gives sparsity " + nm.sparsity() + ", not " + sparsity);
        }
        if (rounds < 1) throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
        if (rankCap < 1 || firstMeanRank < 1) throw new IllegalArgumentException("rank cap and mean rank must be at least 1");
        if (ckaSequences < 2) throw new IllegalArgumentException("CKA needs at least 2 sequences, got " + ckaSequences);
    }

    /** S_t of round t = 1..T. */
    public double target(int round) {
        return schedule == Schedule.CUBIC ? LayerRates.cubic(sparsity, round, rounds) : sparsity;
    }

    /** The pattern of round t: the final one when unstructured; an N:M with the same M nearest S_t otherwise. */
    public PrunePattern pattern(int round) {
        return switch (pattern) {
            case PrunePattern.Unstructured u -> u;
            case PrunePattern.NOfM nm -> nm.atFraction(sparsity == 0 ? 1 : target(round) / sparsity);
        };
    }

    /** r̄ of round t. */
    public int meanRank(int round) {
        return firstMeanRank + round - 1;
    }

    /** The training loop of round t: the template with seed + t. */
    public TrainConfig training(int round) {
        TrainConfig c = training;
        return new TrainConfig(c.steps(), c.batchSize(), c.gradAccum(), c.learningRate(), c.warmupSteps(), c.schedule(), c.minLrRatio(),
                c.weightDecay(), c.maxGradNorm(), c.seed() + round, c.evalEvery(), c.checkpointEvery(), c.logEvery());
    }
}
