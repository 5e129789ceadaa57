package org.sparselora4j.autograd;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.sparselora4j.tensor.StepArena;
import org.sparselora4j.tensor.Tensor;

/**
 * Runs the backward pass over the graph that ops record in their {@link Var}s, and scopes where no graph is
 * recorded. The graph is implicit (each op result points at its parents); {@link #backward} orders it
 * topologically with an explicit stack (graphs of a deep model have thousands of nodes, too many for recursion),
 * then calls each closure once, from the output back to the leaves.
 */
public final class Tape {
    private static final ScopedValue<Boolean> NO_GRAD = ScopedValue.newInstance();

    private Tape() {
    }

    /** False inside {@link #noGrad}: ops then keep no closures, so nothing is recorded. */
    public static boolean isRecording() {
        return !NO_GRAD.orElse(false);
    }

    /** Runs {@code body} without recording a graph (inference, predictors, finite differences). */
    public static <T> T noGrad(Supplier<T> body) {
        // Nothing made without a graph is handed back by a backward pass: it comes from the heap, not the step's arena.
        return StepArena.bypass(() -> ScopedValue.where(NO_GRAD, true).call(body::get));
    }

    /** {@link #noGrad(Supplier)} for a body without a result. */
    public static void noGrad(Runnable body) {
        StepArena.bypass(() -> {
            ScopedValue.where(NO_GRAD, true).run(body);
            return null;
        });
    }

    /** Backward from a scalar (one-element) loss with seed 1; frees the graph afterwards. */
    public static void backward(Var loss) {
        if (loss.value().size() != 1) {
            throw new IllegalArgumentException("backward without a seed needs a one-element loss, got " + loss.shape());
        }
        backward(loss, Tensor.zeros(loss.shape()).fill(1f), false);
    }

    /**
     * Adds {@code seed} (same size as the output) to the output's gradient and propagates it to every var that
     * requires a gradient. Parameters accumulate; op results' gradients are dropped as soon as their closure has
     * run (unless {@link Var#retainGrad}). Without {@code retainGraph} each closure and its saved tensors are
     * released after use, so a second backward through the same graph is an error.
     */
    public static void backward(Var output, Tensor seed, boolean retainGraph) {
        if (!output.requiresGrad()) {
            throw new IllegalArgumentException("backward from " + output + ", which requires no gradient (no parameter behind it, or built under noGrad)");
        }
        List<Var> order = topologicalOrder(output);
        output.accumulate(seed);
        for (int i = order.size() - 1; i >= 0; i--) {
            Var node = order.get(i);
            Var.Backward closure = node.backward();
            if (closure == null && !node.isLeaf() && node.isFreed()) {
                throw new IllegalStateException("backward through " + node + " whose graph a previous backward freed; pass retainGraph");
            }
            if (closure != null && node.grad() != null) {
                long t0 = OpTimer.startBackward();
                closure.apply(node.grad());
                OpTimer.endBackward(node.timedAs(), t0);
            }
            if (!retainGraph) node.release();
            node.dropGradIfIntermediate();
        }
    }

    /** Every var that requires a gradient and reaches {@code output}, parents before children. */
    static List<Var> topologicalOrder(Var output) {
        List<Var> order = new ArrayList<>();
        Set<Var> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        // Iterative post-order DFS: a frame is a node and the index of the next parent to visit.
        List<Var> stackNodes = new ArrayList<>();
        List<Integer> stackNext = new ArrayList<>();
        visited.add(output);
        stackNodes.add(output);
        stackNext.add(0);
        while (!stackNodes.isEmpty()) {
            int top = stackNodes.size() - 1;
            Var node = stackNodes.get(top);
            Var[] parents = node.parents();
            int next = stackNext.get(top);
            if (parents != null && next < parents.length) {
                stackNext.set(top, next + 1);
                Var p = parents[next];
                if (p.requiresGrad() && visited.add(p)) {
                    stackNodes.add(p);
                    stackNext.add(0);
                }
            } else {
                stackNodes.remove(top);
                stackNext.remove(top);
                order.add(node);
            }
        }
        return order;
    }

    /** Zeroes the gradients of the given vars (their memory is kept for the next step). */
    public static void zeroGrad(Iterable<Var> params) {
        for (Var p : params) p.zeroGrad();
    }
}
