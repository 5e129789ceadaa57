package org.sparselora4j.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sparselora4j.tensor.kernel.Exp;

/**
 * Is our polynomial exp faster than the JDK's {@code lanewise(VectorOperators.EXP)} (an SVML stub on x86) and
 * than a loop of Math.exp? If the JDK's were as fast, Exp should go and the kernels should call the JDK.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Benchmark)
public class ExpBench {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    @Param({"8192"})
    int n;

    private float[] x;
    private float[] out;

    @Setup
    public void setup() {
        SplittableRandom random = new SplittableRandom(2);
        x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (random.nextDouble() * 40 - 30);
        out = new float[n];
    }

    @Benchmark
    public float[] mathExp() {
        Exp.expReference(x, 0, out, 0, n);
        return out;
    }

    @Benchmark
    public float[] simd() {
        Exp.exp(x, 0, out, 0, n);
        return out;
    }

    @Benchmark
    public float[] jdkLanewise() {
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += F.length()) {
            FloatVector.fromArray(F, x, i).lanewise(VectorOperators.EXP).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = (float) Math.exp(x[i]);
        return out;
    }
}
