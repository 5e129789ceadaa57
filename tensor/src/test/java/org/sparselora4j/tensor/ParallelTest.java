package org.sparselora4j.tensor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParallelTest {
    private static final Parallel THREE = new Parallel(3);

    @Test
    void forRangeCoversEveryItemOnceInGrainAlignedChunks() {
        for (int n : new int[] {1, 5, 64, 100, 1001}) {
            for (int grain : new int[] {1, 4, 32}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                List<int[]> chunks = Collections.synchronizedList(new ArrayList<>());
                THREE.forRange(n, grain, (from, to) -> {
                    chunks.add(new int[] {from, to});
                    for (int i = from; i < to; i++) seen.incrementAndGet(i);
                });
                for (int i = 0; i < n; i++) assertThat(seen.get(i)).as("item %d of %d", i, n).isEqualTo(1);
                assertThat(chunks.size()).isLessThanOrEqualTo(3);
                for (int[] c : chunks) {
                    if (c[1] != n) assertThat(c[1] % grain).isZero();
                }
            }
        }
    }

    @Test
    void currentIsTheBoundInstanceInsideRunAndCall() {
        assertThat(THREE.call(Parallel::current)).isSameAs(THREE);
        Parallel one = new Parallel(1);
        one.run(() -> assertThat(Parallel.current()).isSameAs(one));
        assertThat(Parallel.current().threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void nestedForRangeRunsInlineOnPoolThreads() {
        AtomicIntegerArray seen = new AtomicIntegerArray(100);
        THREE.forRange(10, (from, to) -> {
            for (int i = from; i < to; i++) {
                int row = i;
                THREE.forRange(10, (f, t) -> {
                    for (int j = f; j < t; j++) seen.incrementAndGet(row * 10 + j);
                });
            }
        });
        for (int i = 0; i < 100; i++) assertThat(seen.get(i)).isEqualTo(1);
    }

    @Test
    void failuresInAnyChunkReachTheCaller() {
        assertThatThrownBy(() -> THREE.forRange(90, 1, (from, to) -> {
            if (to == 90) throw new IllegalStateException("last chunk failed");
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("last chunk failed");
    }

    @Test
    void threadCountMustBePositive() {
        assertThatThrownBy(() -> new Parallel(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
    }

    @Test
    void errorsInAWorkersShareReachTheCaller() {
        assertThatThrownBy(() -> THREE.forRange(90, 1, (from, to) -> {
            if (from > 0) throw new AssertionError("worker share failed");
        })).isInstanceOf(AssertionError.class).hasMessageContaining("worker share failed");
        AtomicIntegerArray seen = new AtomicIntegerArray(90);
        THREE.forRange(90, 1, (from, to) -> {
            for (int i = from; i < to; i++) seen.incrementAndGet(i);
        });
        for (int i = 0; i < 90; i++) assertThat(seen.get(i)).as("item %d after a failed call", i).isEqualTo(1);
    }

    @Test
    void callsFromManyThreadsAtOnceEachCoverEveryItemOnce() throws Exception {
        int callers = 4, calls = 200, n = 257;
        AtomicIntegerArray seen = new AtomicIntegerArray(callers * n);
        Thread[] threads = new Thread[callers];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < callers; t++) {
            int base = t * n;
            threads[t] = new Thread(() -> {
                for (int c = 0; c < calls; c++) {
                    THREE.forRange(n, 8, (from, to) -> {
                        for (int i = from; i < to; i++) seen.incrementAndGet(base + i);
                    });
                }
            });
            threads[t].setUncaughtExceptionHandler((th, e) -> failure.set(e));
            threads[t].start();
        }
        for (Thread t : threads) t.join();
        assertThat(failure.get()).isNull();
        for (int i = 0; i < callers * n; i++) assertThat(seen.get(i)).as("item %d", i).isEqualTo(calls);
    }

    @Test
    void workersSpinBetweenCallsAndParkAndEndWhenIdle() throws Exception {
        Parallel pool = new Parallel(3, 20_000_000L);               // idle workers end after 20 ms
        long[] sum = new long[1];
        Runnable call = () -> {
            long[] parts = new long[3];
            pool.forRange(300, 100, (from, to) -> {
                long s = 0;
                for (int i = from; i < to; i++) s += i;
                parts[from / 100] = s;
            });
            sum[0] = parts[0] + parts[1] + parts[2];
        };
        for (int c = 0; c < 1000; c++) {                              // back to back: the workers spin between calls
            call.run();
            assertThat(sum[0]).isEqualTo(299L * 300 / 2);
        }
        assertThat(pool.liveWorkers()).isEqualTo(2);
        Thread.sleep(5);                                              // past the spin: parked, woken by the next call
        call.run();
        assertThat(sum[0]).isEqualTo(299L * 300 / 2);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (pool.liveWorkers() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(pool.liveWorkers()).as("workers idle past their keep-alive end").isZero();
        call.run();                                                   // and are started again
        assertThat(sum[0]).isEqualTo(299L * 300 / 2);
        assertThat(pool.liveWorkers()).isEqualTo(2);
    }
}
