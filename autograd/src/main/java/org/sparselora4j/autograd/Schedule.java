package org.sparselora4j.autograd;

/**
 * Learning rate as a function of the 0-based optimizer step, with the conventions of Hugging Face's
 * {@code get_*_schedule_with_warmup}: during warm-up lr = peak · step / warmup (0 at step 0), then a decay from
 * peak at step = warmup to {@code floor} at step = total (and {@code floor} after).
 */
public sealed interface Schedule {
    /** The learning rate for the update with this 0-based index. */
    double lr(long step);

    /** The same rate at every step. */
    record Constant(double peak) implements Schedule {
        @Override
        public double lr(long step) {
            return peak;
        }
    }

    /** Linear warm-up, then cosine decay from peak to floor over [warmup, total]. */
    record WarmupCosine(double peak, long warmup, long total, double floor) implements Schedule {
        public WarmupCosine {
            checkSteps(warmup, total);
        }

        @Override
        public double lr(long step) {
            if (step < warmup) return peak * step / warmup;
            double progress = Math.min(1.0, (double) (step - warmup) / Math.max(1, total - warmup));
            return floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
        }
    }

    /** Linear warm-up, then linear decay from peak to floor over [warmup, total]. */
    record WarmupLinear(double peak, long warmup, long total, double floor) implements Schedule {
        public WarmupLinear {
            checkSteps(warmup, total);
        }

        @Override
        public double lr(long step) {
            if (step < warmup) return peak * step / warmup;
            double progress = Math.min(1.0, (double) (step - warmup) / Math.max(1, total - warmup));
            return floor + (peak - floor) * (1 - progress);
        }
    }

    /** Warm-up steps for a ratio of the total, as Hugging Face's {@code warmup_ratio}: ceil(ratio · total). */
    static long warmupSteps(double ratio, long total) {
        return (long) Math.ceil(ratio * total);
    }

    private static void checkSteps(long warmup, long total) {
        if (warmup < 0 || total < 0 || warmup > total) throw new IllegalArgumentException("need 0 <= warmup <= total, got warmup " + warmup + ", total " + total);
    }
}
