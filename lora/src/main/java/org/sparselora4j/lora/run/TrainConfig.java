package org.sparselora4j.lora.run;

/**
 * Settings of the training loop.
 *
 * @param steps           optimizer steps in the whole run
 * @param batchSize       examples per micro-batch
 * @param gradAccum       micro-batches per optimizer step
 * @param learningRate    peak learning rate
 * @param warmupSteps     steps of linear warm-up from 0
 * @param schedule        decay after warm-up
 * @param minLrRatio      the learning rate decays to peak · minLrRatio
 * @param weightDecay     AdamW's decoupled weight decay
 * @param maxGradNorm     gradient clipping by global norm (0 disables)
 * @param seed            data order, initialisation and dropout
 * @param evalEvery       validate every this many steps (and at the end); 0 only at the start and end
 * @param checkpointEvery checkpoint every this many steps (and at the end); 0 only at the end
 * @param logEvery        a progress line on stderr every this many steps
 */
public record TrainConfig(int steps, int batchSize, int gradAccum, double learningRate, int warmupSteps, ScheduleKind schedule,
                          double minLrRatio, double weightDecay, double maxGradNorm, long seed, int evalEvery, int checkpointEvery,
                          int logEvery) {
    /** How the learning rate decays after warm-up. */
    public enum ScheduleKind { COSINE, LINEAR, CONSTANT }

    public TrainConfig {
        if (steps < 1) throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        if (gradAccum < 1) throw new IllegalArgumentException("gradient accumulation must be at least 1, got " + gradAccum);
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
        if (warmupSteps < 0 || warmupSteps > steps) throw new IllegalArgumentException("warm-up steps must be in [0, " + steps + "], got " + warmupSteps);
        if (!(minLrRatio >= 0 && minLrRatio <= 1)) throw new IllegalArgumentException("min lr ratio must be in [0, 1], got " + minLrRatio);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be non-negative, got " + weightDecay);
        if (!(maxGradNorm >= 0)) throw new IllegalArgumentException("max grad norm must be non-negative, got " + maxGradNorm);
        if (evalEvery < 0 || checkpointEvery < 0 || logEvery < 1) throw new IllegalArgumentException("eval/checkpoint/log intervals must be non-negative (log at least 1)");
    }

    public org.sparselora4j.autograd.Schedule lrSchedule() {
        double floor = learningRate * minLrRatio;
        return switch (schedule) {
            case COSINE -> new org.sparselora4j.autograd.Schedule.WarmupCosine(learningRate, warmupSteps, steps, floor);
            case LINEAR -> new org.sparselora4j.autograd.Schedule.WarmupLinear(learningRate, warmupSteps, steps, floor);
            case CONSTANT -> new org.sparselora4j.autograd.Schedule.Constant(learningRate);
        };
    }

    /** Identity of the settings that must match for a checkpoint to be resumed. */
    public String resumeKey() {
        return steps + "/" + batchSize + "/" + gradAccum + "/" + learningRate + "/" + warmupSteps + "/" + schedule + "/" + minLrRatio
                + "/" + weightDecay + "/" + maxGradNorm + "/" + seed;
    }
}
