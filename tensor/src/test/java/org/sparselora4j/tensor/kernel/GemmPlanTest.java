package org.sparselora4j.tensor.kernel;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GemmPlanTest {
    @Test
    void thirtyTwoRegistersGetTheTwelveRowTileSixteenTheSixRowOne() {
        Machine avx512 = new Machine(16, 32, 32 << 10, 1 << 20, 32 << 20);
        Machine avx2 = new Machine(8, 16, 32 << 10, 512 << 10, 16 << 20);
        assertThat(GemmPlan.forMachine(avx512).mr()).isEqualTo(12);
        assertThat(GemmPlan.forTile(12, avx512).mc() % 12).isZero();
        assertThat(GemmPlan.forMachine(avx2).mr()).isEqualTo(6);
    }

    @Test
    void blocksFollowTheCachesAndStayWholeTilesAndPanels() {
        GemmPlan zen4 = GemmPlan.forMachine(new Machine(16, 32, 32 << 10, 1 << 20, 32 << 20));
        assertThat(zen4.kc()).isEqualTo(768); // a B panel in 1/8 of 1 MiB, at most KC
        assertThat(zen4.kc() % GemmPlan.K_ALIGN).isZero();
        assertThat(zen4.mc() % 6).isZero(); // 3/8 of 1 MiB over kc floats, in whole 6-row tiles
        assertThat((long) zen4.mc() * zen4.kc() * Float.BYTES).isLessThanOrEqualTo((1 << 20) * 3 / 8);
        assertThat(zen4.nc()).isEqualTo(2048 / MicroKernel.NR * MicroKernel.NR);
        GemmPlan spr = GemmPlan.forMachine(new Machine(16, 32, 48 << 10, 2 << 20, 0));
        assertThat(spr.mc()).isGreaterThan(zen4.mc());
        GemmPlan tinyCaches = GemmPlan.forMachine(new Machine(8, 16, 16 << 10, 64 << 10, 1 << 20));
        assertThat(tinyCaches.mc() % 6).isZero();
        assertThat(tinyCaches.mc()).isGreaterThanOrEqualTo(6);
        assertThat(tinyCaches.nc() % MicroKernel.NR).isZero();
        assertThat(tinyCaches.nc()).isGreaterThanOrEqualTo(4 * MicroKernel.NR);
    }

    @Test
    void kStepCutsKIntoEqualBlocks() {
        assertThat(GemmPlan.kStep(400, 384)).isEqualTo(224); // 224 + 176: whole multiples of 32 where kc is one
        assertThat(GemmPlan.kStep(384, 384)).isEqualTo(384);
        assertThat(GemmPlan.kStep(1, 768)).isEqualTo(1);
        assertThat(GemmPlan.kStep(700, 768)).isEqualTo(700);
        assertThat(GemmPlan.kStep(2048, 768)).isEqualTo(704);
        assertThat(GemmPlan.kStep(400, 37)).isEqualTo(37); // kc not a multiple of 32: equal blocks as they fall
        for (int kc : new int[] {32, 64, 384, 768, 37}) {
            for (int k = 1; k < 3000; k += 13) {
                int step = GemmPlan.kStep(k, kc), blocks = (k + kc - 1) / kc;
                assertThat(step).isLessThanOrEqualTo(kc);
                assertThat((long) step * blocks).isGreaterThanOrEqualTo(k);
                assertThat((long) step * (blocks - 1)).isLessThan(k); // no empty last block
            }
        }
    }

    @Test
    void stretchedBlocksTakeAProductJustOverABlockWholeAndCutRowsEvenly() {
        GemmPlan plan = new GemmPlan(12, 768, 120, 2048), strict = new GemmPlan(12, 768, 120, 2048, false);
        assertThat(plan.kStep(896)).isEqualTo(896);    // one block, not 448 + 448
        assertThat(strict.kStep(896)).isEqualTo(448);
        assertThat(plan.kStep(768)).isEqualTo(768);
        assertThat(plan.kStep(2048)).isEqualTo(704);   // 960 at most: three blocks still
        assertThat(plan.mStep(128)).isEqualTo(132);    // one block of 11 tiles, not 120 + 8
        assertThat(strict.mStep(128)).isEqualTo(120);
        assertThat(plan.mStep(512)).isEqualTo(132);    // 132 x 3 + 116, not 120 x 4 + 32
        assertThat(plan.mStep(100)).isEqualTo(108);
        for (int mr : GemmPlan.TILE_ROWS) {
            for (int mc : new int[] {mr, 2 * mr, 120, 126, 252}) {
                if (mc % mr != 0) continue;
                GemmPlan p = new GemmPlan(mr, 64, mc, 2048);
                for (int rows = 1; rows < 1200; rows += 7) {
                    int step = p.mStep(rows), blocks = (rows + step - 1) / step;
                    assertThat(step % mr).isZero();
                    assertThat(step).isLessThanOrEqualTo(mc + mc / 4).isGreaterThanOrEqualTo(mr);
                    assertThat(blocks).isEqualTo(Math.max(1, (rows + (mc + mc / 4) / mr * mr - 1) / ((mc + mc / 4) / mr * mr)));
                }
            }
        }
        for (int k = 1; k < 3000; k += 13) {
            int step = plan.kStep(k), blocks = (k + step - 1) / step;
            assertThat(step).isLessThanOrEqualTo(960);
            assertThat((long) step * (blocks - 1)).isLessThan(k);
        }
    }

    @Test
    void aTileWithoutAKernelIsRefused() {
        assertThatThrownBy(() -> new GemmPlan(8, 384, 240, 2048)).hasMessageContaining("8-row");
        assertThatThrownBy(() -> new GemmPlan(12, 384, 250, 2048)).hasMessageContaining("mc 250");
    }

    @Test
    void cacheSizesAreReadAsLinuxWritesThem() {
        assertThat(Machine.parseSize("32K")).isEqualTo(32 << 10);
        assertThat(Machine.parseSize("1024K")).isEqualTo(1 << 20);
        assertThat(Machine.parseSize("32M")).isEqualTo(32 << 20);
        assertThat(Machine.parseSize("4096")).isEqualTo(4096);
        assertThat(Machine.parseSize("")).isEqualTo(-1);
        assertThat(Machine.parseSize("lots")).isEqualTo(-1);
        assertThat(Machine.current().registers()).isIn(16, 32);
        assertThat(Machine.current().l1()).isPositive();
    }
}
