package org.sparselora4j.lora.run;

/**
 * Faults that tests put into a real run to check what the engine does about them; steps count from 1 as in the
 * progress lines. {@code nan-grad@S} makes a gradient of step S NaN; {@code stall-checkpoint@S} stops the checkpoint
 * written after step S in the middle of its write (the process then waits to be killed). The CLI reads them from
 * the system property {@value #PROPERTY}, e.g. {@code -Dsparselora4j.inject=nan-grad@5,stall-checkpoint@4}.
 */
public record FaultInjection(long nanGradientAtStep, long stallCheckpointAtStep) {
    public static final String PROPERTY = "sparselora4j.inject";
    public static final FaultInjection NONE = new FaultInjection(-1, -1);

    /** The faults of a spec such as {@code nan-grad@5,stall-checkpoint@4}; empty or null means none. */
    public static FaultInjection parse(String spec) {
        FaultInjection f = NONE;
        if (spec == null || spec.isBlank()) return f;
        for (String part : spec.split(",")) {
            String[] kv = part.strip().split("@");
            long step;
            try {
                step = kv.length == 2 ? Long.parseLong(kv[1]) : -1;
            } catch (NumberFormatException e) {
                step = -1;
            }
            if (step < 1) throw new IllegalArgumentException(PROPERTY + ": " + part + " is not FAULT@STEP with a step from 1");
            f = switch (kv[0]) {
                case "nan-grad" -> new FaultInjection(step, f.stallCheckpointAtStep);
                case "stall-checkpoint" -> new FaultInjection(f.nanGradientAtStep, step);
                default -> throw new IllegalArgumentException(PROPERTY + ": unknown fault " + kv[0] + " (nan-grad, stall-checkpoint)");
            };
        }
        return f;
    }
}
