package org.sparselora4j.tensor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

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
}
