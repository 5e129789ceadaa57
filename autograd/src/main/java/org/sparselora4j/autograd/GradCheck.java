package org.sparselora4j.autograd;

import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.sparselora4j.tensor.Tensor;

/**
 * Finite-difference gradient checker (PyTorch's {@code gradcheck}, tinygrad's test helper), shared with the tests
 * of other modules and meant to be read as the definition of what backward must compute.
 *
 * <p>The function under test is a {@link Supplier} that builds its output from the input vars it closes over. A
 * non-scalar output y is reduced to the scalar L = Σ y ⊙ R with a fixed random R, so every output element takes
 * part. The analytic gradient is one backward pass with seed R; the numeric one perturbs each element of each
 * input that requires a gradient by ±eps and takes (L(x + eps) − L(x − eps)) / 2eps, L summed in double. The
 * error of an element is |a − n| / max(|a| + |n|, floor): relative where gradients are large, absolute (over
 * floor) where they are about as small as float32 rounding of the forward can resolve. That resolution is
 * about M · {@link #FLOAT_NOISE} / eps, with M = Σ |y ⊙ R| the size of the terms of L, so the floor used is the
 * larger of that and the given one.
 */
public final class GradCheck {
    /** Perturbation for float32 forwards: smaller steps drown in rounding, larger ones in curvature. */
    public static final double EPS = 1e-2;
    /** Largest error {@link #assertGradients} accepts. */
    public static final double TOLERANCE = 1e-2;
    /** Gradients below about this size are compared absolutely. */
    public static final double FLOOR = 1e-3;
    /** Relative rounding noise of a float32 forward, about a hundred float32 ulps. */
    public static final double FLOAT_NOISE = 1e-5;

    private GradCheck() {
    }

    /**
     * The worst element: its input (position in the argument list), its flat index, the analytic and numeric
     * gradients there and their error; {@code frozenWithGrad} counts inputs that require no gradient yet got one.
     */
    public record Report(double maxError, int input, int element, double analytic, double numeric, int checked, int frozenWithGrad) {
        public boolean passes(double tolerance) {
            return maxError <= tolerance && frozenWithGrad == 0;
        }

        @Override
        public String toString() {
            return String.format("max error %.3g at input %d element %d (analytic %.6g, numeric %.6g) over %d elements; %d frozen inputs with a gradient",
                    maxError, input, element, analytic, numeric, checked, frozenWithGrad);
        }
    }

    /** Throws {@link AssertionError} unless the gradients of every input agree within {@link #TOLERANCE}. */
    public static Report assertGradients(Supplier<Var> f, Var... inputs) {
        Report r = check(f, EPS, FLOOR, inputs);
        if (!r.passes(TOLERANCE)) throw new AssertionError("gradient check failed: " + r);
        return r;
    }

    /** {@link #check(Supplier, double, double, Var...)} with the default eps and floor. */
    public static Report check(Supplier<Var> f, Var... inputs) {
        return check(f, EPS, FLOOR, inputs);
    }

    /**
     * Compares analytic and central-difference gradients of every input that requires one. The analytic pass
     * zeroes the inputs' gradients first and leaves its result in them.
     */
    public static Report check(Supplier<Var> f, double eps, double floor, Var... inputs) {
        for (Var x : inputs) x.zeroGrad();
        Var out = f.get();
        Tensor seed = seed(out.value());
        double magnitude = 0;
        for (int i = 0; i < seed.size(); i++) magnitude += Math.abs((double) out.value().data()[out.value().offset() + i] * seed.data()[i]);
        double noiseFloor = Math.max(floor, magnitude * FLOAT_NOISE / eps);
        Tape.backward(out, seed, false);

        int frozenWithGrad = 0;
        for (Var x : inputs) if (!x.requiresGrad() && x.grad() != null) frozenWithGrad++;

        double worst = -1, worstA = 0, worstN = 0;
        int worstInput = -1, worstElement = -1, checked = 0;
        for (int in = 0; in < inputs.length; in++) {
            Var x = inputs[in];
            if (!x.requiresGrad()) continue;
            Tensor grad = x.grad();
            float[] xd = x.value().data();
            int off = x.value().offset();
            for (int e = 0; e < x.value().size(); e++) {
                float original = xd[off + e];
                xd[off + e] = (float) (original + eps);
                double plus = project(f, seed);
                xd[off + e] = (float) (original - eps);
                double minus = project(f, seed);
                xd[off + e] = original;
                double numeric = (plus - minus) / (2 * eps);
                double analytic = grad == null ? 0 : grad.data()[grad.offset() + e];
                double error = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic) + Math.abs(numeric), noiseFloor);
                if (Double.isNaN(error)) error = Double.POSITIVE_INFINITY;
                checked++;
                if (error > worst) {
                    worst = error;
                    worstInput = in;
                    worstElement = e;
                    worstA = analytic;
                    worstN = numeric;
                }
            }
        }
        return new Report(Math.max(worst, 0), worstInput, worstElement, worstA, worstN, checked, frozenWithGrad);
    }

    /** R: 1 for a one-element output, else fixed uniform weights in [-1, 1). */
    private static Tensor seed(Tensor out) {
        if (out.size() == 1) return Tensor.zeros(out.shape()).fill(1f);
        SplittableRandom random = new SplittableRandom(0x5eed);
        Tensor r = Tensor.zeros(out.shape());
        for (int i = 0; i < r.size(); i++) r.data()[i] = (float) (random.nextDouble() * 2 - 1);
        return r;
    }

    /** L = Σ f() ⊙ R in double, without recording a graph. */
    private static double project(Supplier<Var> f, Tensor seed) {
        Tensor y = Tape.noGrad(f).value();
        float[] yd = y.data(), rd = seed.data();
        double sum = 0;
        for (int i = 0; i < y.size(); i++) sum += (double) yd[y.offset() + i] * rd[i];
        return sum;
    }
}
