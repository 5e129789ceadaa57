package org.sparselora4j.tensor.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparselora4j.tensor.ElementType;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every type's decoding against values from llama.cpp's definitions (the block types: fixtures decoded by gguf-py,
 * made by {@code src/test/resources/dequant/make.py}; the 16-bit floats: the JDK's conversions), and the Vector API
 * routine against its scalar twin, whole blocks and ranges that start and end inside one.
 */
class DequantTest {
    private static byte[] resource(String name) throws IOException {
        try (InputStream in = DequantTest.class.getResourceAsStream("/dequant/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void blockTypesMatchLlamaCppDefinitions(String name) throws IOException {
        ElementType type = ElementType.valueOf(name);
        MemorySegment raw = MemorySegment.ofArray(resource(name + ".bin"));
        ByteBuffer f = ByteBuffer.wrap(resource(name + ".f32")).order(ByteOrder.LITTLE_ENDIAN);
        float[] expected = new float[f.remaining() / 4];
        f.asFloatBuffer().get(expected);
        assertThat(type.bytes(expected.length)).isEqualTo(raw.byteSize());

        float[] scalar = new float[expected.length], simd = new float[expected.length];
        Dequant.decodeScalar(type, raw, 0, expected.length, scalar, 0);
        Dequant.decode(type, raw, 0, expected.length, simd, 0);
        for (int i = 0; i < expected.length; i++) {
            assertThat(scalar[i]).as("%s element %d", name, i).isCloseTo(expected[i], within(1e-6f + 1e-6f * Math.abs(expected[i])));
            assertThat(simd[i]).as("%s simd element %d", name, i).isEqualTo(scalar[i]);
            assertThat(Dequant.decodeOne(type, raw, i)).as("%s one element %d", name, i).isEqualTo(scalar[i]);
        }
        // Ranges that start and end inside blocks decode to the same values as the whole.
        int[][] ranges = {{1, 7}, {5, 40}, {31, 2}, {33, expected.length - 40}, {expected.length - 3, 3}};
        for (int[] r : ranges) {
            float[] part = new float[r[1] + 2];
            Dequant.decode(type, raw, r[0], r[1], part, 2);
            for (int i = 0; i < r[1]; i++) assertThat(part[2 + i]).isEqualTo(scalar[r[0] + i]);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 15, 17, 1000})
    void halvesMatchTheJdk(int n) {
        SplittableRandom random = new SplittableRandom(n);
        byte[] bytes = new byte[2 * (n + 3)];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) random.nextInt(256);
        // Subnormals, zeros, infinities and a NaN among them.
        short[] special = {0x0001, 0x03FF, (short) 0x8000, 0x7C00, (short) 0xFC00, 0x7E01, 0x3C00};
        for (int i = 0; i < special.length && i < n; i++) {
            bytes[2 * (3 + i)] = (byte) special[i];
            bytes[2 * (3 + i) + 1] = (byte) (special[i] >> 8);
        }
        MemorySegment raw = MemorySegment.ofArray(bytes);
        for (ElementType type : new ElementType[] {ElementType.F16, ElementType.BF16}) {
            float[] simd = new float[n], scalar = new float[n];
            Dequant.decode(type, raw, 3, n, simd, 0);
            Dequant.decodeScalar(type, raw, 3, n, scalar, 0);
            for (int i = 0; i < n; i++) {
                short bits = (short) ((bytes[2 * (3 + i)] & 0xFF) | bytes[2 * (3 + i) + 1] << 8);
                float expected = type == ElementType.F16 ? Float.float16ToFloat(bits) : Float.intBitsToFloat((bits & 0xFFFF) << 16);
                assertThat(Float.floatToIntBits(scalar[i])).as("%s scalar %d", type, i).isEqualTo(Float.floatToIntBits(expected));
                assertThat(Float.floatToIntBits(simd[i])).as("%s simd %d of bits %04x", type, i, bits).isEqualTo(Float.floatToIntBits(expected));
                assertThat(Float.floatToIntBits(Dequant.decodeOne(type, raw, 3 + i))).isEqualTo(Float.floatToIntBits(expected));
            }
        }
    }

    @Test
    void f32IsCopied() {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 10; i++) b.putFloat(i * 0.5f - 1);
        MemorySegment raw = MemorySegment.ofArray(b.array());
        float[] out = new float[4];
        Dequant.decode(ElementType.F32, raw, 3, 4, out, 0);
        assertThat(out).containsExactly(0.5f, 1f, 1.5f, 2f);
        Dequant.decodeScalar(ElementType.F32, raw, 3, 4, out, 0);
        assertThat(out).containsExactly(0.5f, 1f, 1.5f, 2f);
    }
}
