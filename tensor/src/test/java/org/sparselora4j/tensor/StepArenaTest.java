package org.sparselora4j.tensor;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StepArenaTest {
    private static final int BIG = StepArena.MIN_FLOATS;

    @Test
    void outsideAnArenaEveryTensorIsFreshZeros() {
        Tensor a = StepArena.uninitialized(2, BIG), b = StepArena.uninitialized(2, BIG);
        assertThat(a.data()).isNotSameAs(b.data());
        assertThat(a.data()).containsOnly(0f);
        StepArena.giveBack(a); // ignored
        assertThat(StepArena.zeros(Shape.of(BIG)).data()).containsOnly(0f);
    }

    @Test
    void aStepTakesBackTheBuffersTheStepBeforeLent() {
        StepArena arena = new StepArena();
        AtomicReference<float[]> first = new AtomicReference<>(), second = new AtomicReference<>();
        arena.run(() -> first.set(StepArena.uninitialized(BIG).data()));
        assertThat(arena.heldFloats()).isEqualTo(BIG);
        arena.run(() -> second.set(StepArena.uninitialized(BIG).data()));
        assertThat(second.get()).isSameAs(first.get());
    }

    @Test
    void buffersLentAtOnceAreDistinctAndSmallOnesAreNeverLent() {
        StepArena arena = new StepArena();
        arena.run(() -> {
            Tensor a = StepArena.uninitialized(BIG), b = StepArena.uninitialized(BIG);
            assertThat(a.data()).isNotSameAs(b.data());
            StepArena.uninitialized(BIG - 1);
        });
        assertThat(arena.heldFloats()).isEqualTo(2L * BIG);
        assertThat(arena.mostLentFloats()).isEqualTo(2L * BIG);
        arena.run(() -> {
            Tensor a = StepArena.uninitialized(BIG), b = StepArena.uninitialized(BIG), c = StepArena.uninitialized(BIG);
            assertThat(a.data()).isNotSameAs(b.data()).isNotSameAs(c.data());
            assertThat(b.data()).isNotSameAs(c.data());
        });
        assertThat(arena.heldFloats()).isEqualTo(3L * BIG);
    }

    @Test
    void aBufferHandedBackEarlyIsLentAgainInTheSameStepAndKeptOnce() {
        StepArena arena = new StepArena();
        arena.run(() -> {
            Tensor a = StepArena.uninitialized(BIG);
            StepArena.giveBack(a);
            StepArena.giveBack(a); // a second hand-back of the same buffer is ignored
            Tensor b = StepArena.uninitialized(BIG), c = StepArena.uninitialized(BIG);
            assertThat(b.data()).isSameAs(a.data());
            assertThat(c.data()).isNotSameAs(a.data());
            StepArena.giveBack(Tensor.zeros(BIG)); // never lent: ignored
        });
        assertThat(arena.heldFloats()).isEqualTo(2L * BIG);
        assertThat(arena.mostLentFloats()).isEqualTo(2L * BIG);
    }

    @Test
    void oneOwnerClaimsAWholeLentBufferAndItsHandBackFreesIt() {
        StepArena arena = new StepArena();
        arena.run(() -> {
            Tensor a = StepArena.uninitialized(2, BIG);
            assertThat(StepArena.claim(a.reshape(2 * BIG))).isTrue();
            assertThat(StepArena.claim(a)).as("a second owner of the same buffer").isFalse();
            assertThat(StepArena.claim(a.rows(0, 1))).as("part of a buffer").isFalse();
            assertThat(StepArena.claim(Tensor.zeros(BIG))).as("never lent").isFalse();
            StepArena.giveBack(a);
            Tensor b = StepArena.uninitialized(2, BIG);
            assertThat(b.data()).isSameAs(a.data());
            assertThat(StepArena.claim(b)).as("lent anew").isTrue();
        });
        assertThat(StepArena.claim(StepArena.uninitialized(BIG))).as("no arena open").isFalse();
        assertThat(arena.mostLentFloats()).isEqualTo(2L * BIG);
        assertThat(arena.lastStepLentFloats()).isEqualTo(4L * BIG);
    }

    @Test
    void bypassLendsNothingAndReopensTheArena() {
        StepArena arena = new StepArena();
        arena.run(() -> {
            float[] fresh = StepArena.bypass(() -> StepArena.uninitialized(BIG).data());
            assertThat(StepArena.claim(Tensor.of(Shape.of(BIG), fresh))).isFalse();
            StepArena.uninitialized(BIG);
        });
        assertThat(arena.heldFloats()).isEqualTo(BIG);
    }

    @Test
    void zerosAreZeroEvenOnAReusedBuffer() {
        StepArena arena = new StepArena();
        arena.run(() -> StepArena.uninitialized(BIG + 3).fill(7f));
        arena.run(() -> assertThat(StepArena.zeros(Shape.of(BIG + 3)).data()).containsOnly(0f));
    }

    @Test
    void onlyTheSizesTheLastStepUsedAreKept() {
        StepArena arena = new StepArena();
        arena.run(() -> StepArena.uninitialized(BIG + 16));
        arena.run(() -> StepArena.uninitialized(BIG));
        assertThat(arena.heldFloats()).isEqualTo(BIG);
    }

    @Test
    void poisonShowsAValueReadAfterItsStep() {
        StepArena arena = new StepArena().poisonOnReturn();
        AtomicReference<Tensor> kept = new AtomicReference<>();
        arena.run(() -> kept.set(StepArena.uninitialized(BIG).fill(1f)));
        assertThat(kept.get().data()).containsOnly(Float.NaN);
    }

    @Test
    void anotherThreadGetsFreshArraysAndArenasDoNotNest() throws InterruptedException {
        StepArena arena = new StepArena();
        AtomicReference<float[]> fromWorker = new AtomicReference<>();
        arena.run(() -> {
            Thread t = new Thread(() -> fromWorker.set(StepArena.uninitialized(BIG).data()));
            t.start();
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            assertThatThrownBy(() -> new StepArena().run(() -> { })).isInstanceOf(IllegalStateException.class);
        });
        assertThat(arena.heldFloats()).isZero();
        assertThat(fromWorker.get()).hasSize(BIG);
    }

    @Test
    void anExceptionInTheStepStillClosesTheArena() {
        StepArena arena = new StepArena();
        assertThatThrownBy(() -> arena.run(() -> {
            StepArena.uninitialized(BIG);
            throw new IllegalStateException("boom");
        })).hasMessage("boom");
        assertThat(arena.heldFloats()).isEqualTo(BIG);
        arena.run(() -> assertThat(StepArena.uninitialized(BIG).data()).hasSize(BIG));
    }
}
