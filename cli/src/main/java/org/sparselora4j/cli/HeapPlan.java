package org.sparselora4j.cli;

import org.sparselora4j.lora.run.MemoryEstimate;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code Main --heap-plan COMMAND FLAGS...}: the heap options the launcher starts a training run with, from the
 * run's own memory estimate (what {@code finetune} and {@code bench step} check before loading): the heap the run
 * needs with room for its garbage where the machine has it ({@link MemoryEstimate#heapFlagBytes(long)}), committed
 * up front (pre-touched, so the steps do not fault in fresh pages), on huge pages where the kernel has them. Prints
 * nothing where there is no estimate (other commands, or flags the run itself will reject with its own message);
 * the launcher then uses its default.
 */
final class HeapPlan {
    static final String FLAG = "--heap-plan";
    /** Never less than this: the JIT, the data and the evaluation need some room whatever the model. */
    private static final long MIN_HEAP = 1L << 30;

    private HeapPlan() {
    }

    static int print(List<String> argv, PrintStream out) {
        try {
            MemoryEstimate e = estimate(argv);
            long machine = org.sparselora4j.lora.run.MemoryUse.machineBytes();
            // A run that cannot fit gets no plan: it starts on the default heap and stops with its own one-line message.
            if (e != null && (machine <= 0 || e.peakBytes() <= machine)) {
                long mb = Math.max(MIN_HEAP, e.heapFlagBytes(machine)) >> 20;
                // Native memory (bench step's compact weights) counts against the direct-memory limit, which is the
                // heap size unless set: room for the off-heap weights as well.
                long directMb = (e.offHeapBytes() >> 20) + 1024;
                long region = e.regionBytes();
                out.println("-Xms" + mb + "m -Xmx" + mb + "m -XX:MaxDirectMemorySize=" + Math.max(mb, directMb) + "m -XX:+AlwaysPreTouch"
                        + (region > 0 ? " -XX:G1HeapRegionSize=" + (region >> 20) + "m" : "")
                        + (transparentHugePages(THP_SETTING) ? " -XX:+UseTransparentHugePages" : ""));
            }
        } catch (Exception | Error e) {
            // No plan: the run reports whatever is wrong with its flags or files itself.
        }
        return 0;
    }

    /** Linux's transparent huge page setting: "always [madvise] never", the bracketed one in force. */
    static final Path THP_SETTING = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    /**
     * Whether the heap can be backed by 2 MB pages: where the kernel gives them on request (madvise) or always. The
     * JVM then asks for them for the heap (it does not otherwise), which takes the TLB misses out of the GEMM's
     * walks over float32 weights and activations: stories110M LoRA steps 1,360 / 1,425 ms against 1,513 / 1,457
     * with the same 6 GB heap (Zen 4, 2 threads). Elsewhere (no such file, "never") the flag would only print a
     * warning.
     */
    static boolean transparentHugePages(Path setting) {
        try {
            String s = Files.readString(setting);
            return s.contains("[always]") || s.contains("[madvise]");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static MemoryEstimate estimate(List<String> argv) throws Exception {
        if (argv.isEmpty()) return null;
        if (argv.getFirst().equals("finetune")) {
            FinetuneCommand c = new FinetuneCommand();
            return FinetuneCommand.estimate(Args.parse(c.name(), argv.subList(1, argv.size()), c.flags()));
        }
        if (argv.getFirst().equals("bench") && argv.size() > 1 && argv.get(1).equals("step")) {
            BenchStepCommand c = new BenchStepCommand();
            return BenchStepCommand.estimate(Args.parse(c.name(), argv.subList(2, argv.size()), c.flags()));
        }
        return null;
    }
}
