package org.sparselora4j.cli;

import org.sparselora4j.opencl.BackendKind;
import org.sparselora4j.opencl.Backends;
import org.sparselora4j.opencl.DeviceSelector;
import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code --backend cpu|opencl|tornado|auto}: where the frozen-weight products run, chosen once per command. The
 * caller owns the returned backend and closes it (try-with-resources). {@code auto} uses TornadoVM on a GPU (when
 * this JVM runs with TornadoVM's flags), else OpenCL on a GPU or accelerator (or the device {@value DeviceSelector#ENV}
 * names), else says once on stderr that it runs on the Vector API; an explicit {@code opencl} or {@code tornado}
 * that finds no device (or no TornadoVM, or a build without the tornado module) fails with a one-line error; auto
 * skips TornadoVM silently where its module was not built ({@link TornadoLink}).
 */
final class BackendFlag {
    static final Args.Flag FLAG = Args.Flag.value("backend", "cpu | opencl | tornado | auto: where the frozen-weight matmuls run (default cpu; "
            + DeviceSelector.ENV + " picks the OpenCL device; tornado needs " + TornadoLink.HOME + ")");

    private BackendFlag() {
    }

    /** The kind the user asked for (default cpu); a bad value is a usage error. */
    static BackendKind kind(Args args, String command) {
        String text = args.string("backend", "cpu");
        try {
            return BackendKind.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(command + ": --backend: " + e.getMessage());
        }
    }

    /** Opens the backend {@code --backend} asks for, the OpenCL device picked by the process environment. */
    static Backend open(Args args, String command, PrintStream err) {
        return open(kind(args, command), err, System.getenv());
    }

    /**
     * {@link #open(Args, String, PrintStream)} for a training run over frozen weights (LoRA, SparseLoRA): on the
     * CPU, each frozen weight is packed for the GEMM once and reused every step ({@link Backend#cpuPackingWeights()}),
     * at the cost of a copy of the weights per layout.
     */
    static Backend openForTraining(Args args, String command, PrintStream err) {
        return forTraining(open(args, command, err));
    }

    /**
     * {@link #openForTraining(Args, String, PrintStream)} with packed copies within {@code packedBudget} bytes on the
     * CPU, float32 ones of compact weights too when {@code widenCompact} (a plan that found room for them).
     */
    static Backend openForTraining(Args args, String command, PrintStream err, long packedBudget, boolean widenCompact) {
        Backend opened = open(args, command, err);
        return opened == Backend.cpu() ? Backend.cpuPackingWeights(packedBudget, widenCompact) : opened;
    }

    /**
     * Packs the frozen matrices of {@code weights} for {@code backend} ahead of the first step, on the threads of
     * {@code parallel} (the classifier first: its products of a few labelled rows lose most to packing per call),
     * and says how long it took when it packed anything. A backend that keeps no copies does nothing.
     */
    static void prepare(Backend backend, LlamaWeights weights, Parallel parallel, PrintStream err, String command) {
        List<Tensor> matrices = new ArrayList<>();
        matrices.add(weights.classifier());
        for (LayerWeights layer : weights.layers()) for (Target t : Target.values()) matrices.add(t.weight(layer));
        long t0 = System.nanoTime(), before = backend.keptBytes();
        parallel.run(() -> backend.prepare(matrices));
        long packed = backend.keptBytes() - before;
        if (packed > 0) {
            err.printf("%s: packed %.2f GB of frozen weights for the GEMM in %.0f ms (%d threads)%n", command, packed / 1e9,
                    (System.nanoTime() - t0) / 1e6, parallel.threads());
        }
    }

    /** The backend a training run over frozen weights uses in place of {@code opened}: packing on the CPU. */
    static Backend forTraining(Backend opened) {
        return opened == Backend.cpu() ? Backend.cpuPackingWeights() : opened;
    }

    /**
     * Full fine-tuning trains every weight, so it has no frozen products to offload: {@code opencl} is a usage
     * error, {@code auto} says once that it runs on the Vector API.
     */
    static Backend forFullFineTuning(Args args, String command, PrintStream err) {
        switch (kind(args, command)) {
            case CPU -> { }
            case OPENCL, TORNADO -> throw new UsageException(command + ": --backend " + kind(args, command).name().toLowerCase(java.util.Locale.ROOT)
                    + " runs the frozen base weights of lora and sparselora; full fine-tuning trains every weight (use --backend cpu)");
            case AUTO -> err.println("sparselora4j: full fine-tuning trains every weight; running on the Vector API (cpu backend)");
        }
        return Backend.cpu();
    }

    /** Opens a backend of {@code kind}, the OpenCL device picked by {@code environment}; notices go to {@code err}. */
    static Backend open(BackendKind kind, PrintStream err, Map<String, String> environment) {
        Backend backend = switch (kind) {
            case TORNADO -> TornadoLink.open(environment, false);
            case AUTO -> tornadoGpu(environment);
            case CPU, OPENCL -> null;
        };
        if (backend == null) backend = Backends.choose(kind, DeviceSelector.fromEnvironment(environment), err::println);
        if (!backend.name().equals("cpu")) err.println("sparselora4j: backend " + backend.name());
        return backend;
    }

    /** For auto: TornadoVM on a GPU when this JVM can run it, else null (auto goes on to OpenCL, saying nothing yet). */
    private static Backend tornadoGpu(Map<String, String> environment) {
        if (TornadoLink.missing(environment) != null) return null;
        try {
            return TornadoLink.open(environment, true);
        } catch (TornadoLink.Unavailable e) {
            return null;
        }
    }
}
