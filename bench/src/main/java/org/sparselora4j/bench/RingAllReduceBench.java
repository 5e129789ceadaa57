package org.sparselora4j.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sparselora4j.distributed.Ring;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * How long one ring all-reduce of a LoRA adapter's gradients takes between two replicas over loopback TCP, against
 * the adapter's size (1M floats ≈ a 1B model at r 2; 5.6M the 1B at r 8 on all projections; 21M an 8B at r 8). It
 * answers whether the exchange, not the step, bounds a data-parallel run: compare with the step time of the same
 * model. Loopback shares the cores with both replicas, so a real network adds its bandwidth term (see the notes).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"--add-modules=jdk.incubator.vector", "-Xmx3g"})
@State(Scope.Benchmark)
public class RingAllReduceBench {
    @Param({"1000000", "4000000", "16000000", "32000000"})
    int floats;

    private ServerSocket[] servers;
    private Ring first;
    private Ring second;
    private float[] a;
    private float[] b;
    private ExecutorService peer;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        servers = new ServerSocket[] {new ServerSocket(0, 8, InetAddress.getLoopbackAddress()), new ServerSocket(0, 8, InetAddress.getLoopbackAddress())};
        List<InetSocketAddress> addresses = List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), servers[0].getLocalPort()),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), servers[1].getLocalPort()));
        peer = Executors.newSingleThreadExecutor();
        Future<Ring> other = peer.submit(() -> Ring.join(servers[1], 1, addresses, 1L, 10_000, 60_000));
        first = Ring.join(servers[0], 0, addresses, 1L, 10_000, 60_000);
        second = other.get();
        a = new float[floats];
        b = new float[floats];
    }

    /** Both replicas' all-reduce; the time is until both hold the sum. */
    @Benchmark
    public float ring2() throws Exception {
        Future<?> other = peer.submit(() -> second.sum(b, floats));
        first.sum(a, floats);
        other.get();
        return a[0];
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        first.close();
        second.close();
        peer.shutdownNow();
        for (ServerSocket s : servers) s.close();
    }
}
