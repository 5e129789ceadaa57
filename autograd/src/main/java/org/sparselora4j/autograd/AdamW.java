package org.sparselora4j.autograd;

import java.util.ArrayList;
import java.util.List;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), as PyTorch's {@code torch.optim.AdamW}: per step t,
 * p ← p − lr·λ·p; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr · (m / (1−β1ᵗ)) / (sqrt(v / (1−β2ᵗ)) + ε).
 * The learning rate comes with each {@link #step} (from a {@link Schedule}); the moments m and v are kept per
 * parameter and, with the step count, form the {@link State} that a checkpoint saves to resume exactly.
 */
public final class AdamW {
    /** Hyper-parameters; PyTorch's defaults are {@link #defaults()}. */
    public record Config(double beta1, double beta2, double eps, double weightDecay) {
        public Config {
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("betas must be in [0, 1): " + beta1 + ", " + beta2);
            if (!(eps > 0)) throw new IllegalArgumentException("eps must be positive: " + eps);
            if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be non-negative: " + weightDecay);
        }

        /** β = (0.9, 0.999), ε = 1e-8, weight decay 0.01. */
        public static Config defaults() {
            return new Config(0.9, 0.999, 1e-8, 0.01);
        }

        public Config withWeightDecay(double wd) {
            return new Config(beta1, beta2, eps, wd);
        }
    }

    /** The step count and the first and second moments, one of each per parameter in order (copies). */
    public record State(long step, List<Tensor> m, List<Tensor> v) {
        public State {
            m = List.copyOf(m);
            v = List.copyOf(v);
            if (m.size() != v.size()) throw new IllegalArgumentException(m.size() + " first moments but " + v.size() + " second moments");
        }

        /** As a flat list of tensors for a checkpoint file: [step (1 element), m0, v0, m1, v1, ...]. */
        public List<Tensor> toTensors() {
            List<Tensor> out = new ArrayList<>();
            // A float holds every step count below 2^24 exactly; training runs are far shorter.
            out.add(Tensor.of(new float[] {step}, 1));
            for (int i = 0; i < m.size(); i++) {
                out.add(m.get(i));
                out.add(v.get(i));
            }
            return out;
        }

        /** The inverse of {@link #toTensors}. */
        public static State fromTensors(List<Tensor> tensors) {
            if (tensors.isEmpty() || tensors.size() % 2 != 1) throw new IllegalArgumentException("AdamW state needs 1 + 2k tensors, got " + tensors.size());
            long step = (long) tensors.get(0).data()[tensors.get(0).offset()];
            List<Tensor> m = new ArrayList<>(), v = new ArrayList<>();
            for (int i = 1; i < tensors.size(); i += 2) {
                m.add(tensors.get(i));
                v.add(tensors.get(i + 1));
            }
            return new State(step, m, v);
        }
    }

    private final List<Var> params;
    private final Config config;
    private final Tensor[] m;
    private final Tensor[] v;
    private long step;

    /** An optimizer for the given parameters (each must require a gradient), with zeroed moments. */
    public AdamW(List<Var> params, Config config) {
        this.params = List.copyOf(params);
        this.config = config;
        this.m = new Tensor[this.params.size()];
        this.v = new Tensor[this.params.size()];
        for (int i = 0; i < m.length; i++) {
            Var p = this.params.get(i);
            if (!p.requiresGrad()) throw new IllegalArgumentException("parameter " + i + " (" + p + ") requires no gradient; AdamW only updates trainable vars");
            m[i] = Tensor.zeros(p.shape());
            v[i] = Tensor.zeros(p.shape());
        }
    }

    public List<Var> params() {
        return params;
    }

    public Config config() {
        return config;
    }

    /** Steps taken so far. */
    public long stepCount() {
        return step;
    }

    /**
     * One update with learning rate {@code lr}. A parameter without a gradient (nothing flowed into it) is left
     * alone, moments and weight decay included, as PyTorch does.
     */
    public void step(double lr) {
        step++;
        double bc1 = 1 - Math.pow(config.beta1, step);
        double bc2 = 1 - Math.pow(config.beta2, step);
        float b1 = (float) config.beta1, b2 = (float) config.beta2;
        float stepSize = (float) (lr / bc1);
        float invSqrtBc2 = (float) (1 / Math.sqrt(bc2));
        float eps = (float) config.eps;
        float decay = (float) (1 - lr * config.weightDecay);
        // Parameters are independent: the threads take contiguous shares of the list (LoRA's A and B factors
        // alternate, so the shares are about equal in size).
        Parallel.current().forRange(m.length, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                Var p = params.get(i);
                Tensor g = p.grad();
                if (g == null) continue;
                float[] pd = p.value().data(), gd = g.data(), md = m[i].data(), vd = v[i].data();
                int po = p.value().offset(), go = g.offset();
                for (int j = 0; j < md.length; j++) {
                    float grad = gd[go + j];
                    float mj = b1 * md[j] + (1 - b1) * grad;
                    float vj = b2 * vd[j] + (1 - b2) * grad * grad;
                    md[j] = mj;
                    vd[j] = vj;
                    float denom = (float) Math.sqrt(vj) * invSqrtBc2 + eps;
                    pd[po + j] = pd[po + j] * decay - stepSize * mj / denom;
                }
            }
        });
    }

    /** A copy of the step count and the moments. */
    public State exportState() {
        List<Tensor> ms = new ArrayList<>(), vs = new ArrayList<>();
        for (int i = 0; i < m.length; i++) {
            ms.add(m[i].copy());
            vs.add(v[i].copy());
        }
        return new State(step, ms, vs);
    }

    /** Replaces the step count and moments with those of {@code state} (copied), for the same parameters. */
    public void importState(State state) {
        if (state.m().size() != m.length) throw new IllegalArgumentException("state has moments for " + state.m().size() + " parameters, optimizer has " + m.length);
        for (int i = 0; i < m.length; i++) {
            Tensor mi = state.m().get(i), vi = state.v().get(i);
            if (mi.size() != m[i].size() || vi.size() != v[i].size()) {
                throw new IllegalArgumentException("state moments of parameter " + i + " are " + mi.shape() + "/" + vi.shape() + ", parameter is " + m[i].shape());
            }
        }
        for (int i = 0; i < m.length; i++) {
            m[i].copyFrom(state.m().get(i));
            v[i].copyFrom(state.v().get(i));
        }
        step = state.step();
    }
}
