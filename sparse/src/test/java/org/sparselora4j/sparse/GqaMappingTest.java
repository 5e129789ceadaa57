package org.sparselora4j.sparse;

import org.junit.jupiter.api.Test;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.kernel.Rope;

import static org.assertj.core.api.Assertions.assertThat;

class GqaMappingTest {
    // 8 q heads over 2 kv heads of size 4: g = 4, q channels 0..31, kv channels 0..7.
    private static final LlamaConfig GQA = new LlamaConfig(32, 48, 1, 8, 2, 40, 16, 10000, Rope.Style.INTERLEAVED, 1e-5f, true);

    @Test
    void headConsistentMapsEachKeptKvChannelToItsQueryHeadsChannels() {
        // kv channel 1 = kv head 0, d 1: q heads 0..3 at d 1; kv channel 6 = kv head 1, d 2: q heads 4..7 at d 2.
        Index q = GqaMapping.HEAD_CONSISTENT.queryChannels(Index.of(1, 6), GQA);
        assertThat(q.values()).containsExactly(1, 5, 9, 13, 18, 22, 26, 30);
        assertThat(GqaMapping.HEAD_CONSISTENT.outputChannels(Index.of(1, 6), GQA)).isEqualTo(q);
        // Every mapped q channel belongs to a head of the kv channel's group, at the same position in the head.
        for (int c = 0; c < GQA.kvDim(); c++) {
            for (int qc : GqaMapping.HEAD_CONSISTENT.queryChannels(Index.of(c), GQA).values()) {
                int head = qc / GQA.headSize();
                assertThat(head / GQA.groupSize()).isEqualTo(c / GQA.headSize());
                assertThat(qc % GQA.headSize()).isEqualTo(c % GQA.headSize());
            }
        }
    }

    @Test
    void headConsistentPoolsTheQueryHeadsOfEachKvHead() {
        float[] qn = new float[32];
        for (int i = 0; i < qn.length; i++) qn[i] = i;
        float[] pooled = GqaMapping.HEAD_CONSISTENT.pool(qn, GQA);
        // kv channel 6 (head 1, d 2) pools q channels 18, 22, 26, 30.
        assertThat(pooled[6]).isEqualTo((18 + 22 + 26 + 30) / 4f);
        assertThat(pooled[1]).isEqualTo((1 + 5 + 9 + 13) / 4f);
    }

    @Test
    void referenceReproducesTheRepoQuirk() {
        float[] qn = new float[32];
        for (int i = 0; i < qn.length; i++) qn[i] = i;
        // Row-major (g, kvDim) average: channel c pools c, c+8, c+16, c+24.
        assertThat(GqaMapping.REFERENCE.pool(qn, GQA)[6]).isEqualTo((6 + 14 + 22 + 30) / 4f);
        assertThat(GqaMapping.REFERENCE.queryChannels(Index.of(1, 6), GQA).values()).containsExactly(4, 5, 6, 7, 24, 25, 26, 27);
        assertThat(GqaMapping.REFERENCE.outputChannels(Index.of(1, 6), GQA)).isEqualTo(Index.of(1, 6));
    }

    @Test
    void selectKeepsTheBestPooledProductAndTheBestValues() {
        float[] qn = new float[32];
        float[] kn = new float[8];
        float[] vn = new float[8];
        java.util.Arrays.fill(qn, 1);
        java.util.Arrays.fill(kn, 1);
        // The q heads of kv head 1 are strong at d 3 (kv channel 7); k is strong at kv channel 2.
        for (int j = 0; j < 4; j++) qn[(4 + j) * 4 + 3] = 10;
        kn[2] = 5;
        vn[4] = 3;
        vn[0] = 2;
        AttentionChannels a = GqaMapping.HEAD_CONSISTENT.select(qn, kn, vn, GQA, 0.75);
        assertThat(a.k()).isEqualTo(Index.of(2, 7));
        assertThat(a.q().values()).containsExactly(2, 6, 10, 14, 19, 23, 27, 31);
        assertThat(a.v()).isEqualTo(Index.of(0, 4));
        assertThat(a.o().values()).containsExactly(0, 4, 8, 12, 16, 20, 24, 28);
    }

    @Test
    void withoutGqaBothMappingsAgree() {
        LlamaConfig mha = new LlamaConfig(32, 48, 1, 8, 8, 40, 16, 10000, Rope.Style.INTERLEAVED, 1e-5f, true);
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        float[] qn = new float[32], kn = new float[32], vn = new float[32];
        for (int i = 0; i < 32; i++) {
            qn[i] = (float) r.nextDouble();
            kn[i] = (float) r.nextDouble();
            vn[i] = (float) r.nextDouble();
        }
        AttentionChannels h = GqaMapping.HEAD_CONSISTENT.select(qn, kn, vn, mha, 0.5);
        AttentionChannels ref = GqaMapping.REFERENCE.select(qn, kn, vn, mha, 0.5);
        assertThat(h).isEqualTo(ref);
        assertThat(h.q()).isEqualTo(h.k());
        assertThat(h.o()).isEqualTo(h.v());
        assertThat(h.k().size()).isEqualTo(16);
    }
}
