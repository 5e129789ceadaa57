package org.sparselora4j.models.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Expected ids come from a direct Python port of run.c's {@code encode} (full rescan each merge) on tok512.bin. */
class Llama2cTokenizerTest {
    @TempDir
    Path tmp;

    static final String[] TEXTS = {
            "Once upon a time",
            "Hello, world!",
            "Lily's mom said, \"Let's go.\"\nShe smiled.",
            "naïve café ☃ 日本",
            "",
            "  two  spaces",
            "tab\tend",
            "emoji 😀!",
    };
    static final int[][] IDS = {
            {1, 403, 407, 261, 378},
            {1, 346, 306, 414, 432, 263, 304, 341, 443},
            {1, 317, 439, 419, 357, 336, 432, 313, 438, 316, 439, 419, 298, 414, 426, 436, 13, 437, 260, 262, 423, 290, 266, 426},
            {1, 297, 412, 198, 178, 360, 280, 412, 431, 485, 410, 229, 155, 134, 410, 233, 154, 168, 233, 159, 175},
            {1},
            {1, 410, 410, 259, 424, 414, 410, 262, 427, 412, 331, 419},
            {1, 259, 412, 430, 12, 367},
            {1, 344, 423, 414, 449, 417, 410, 243, 162, 155, 131, 443},
    };

    static SentencePieceTokenizer tok512() throws IOException {
        return Llama2cTokenizer.load(SharedModels.require("tok512.bin"), 512);
    }

    @Test
    void encodesLikeRunC() throws IOException {
        SentencePieceTokenizer t = tok512();
        assertThat(t.vocabSize()).isEqualTo(512);
        assertThat(t.bos()).isEqualTo(1);
        assertThat(t.eos()).isEqualTo(2);
        for (int i = 0; i < TEXTS.length; i++) {
            assertThat(t.encode(TEXTS[i], true, false)).as(TEXTS[i]).containsExactly(IDS[i]);
            int[] noBos = Arrays.copyOfRange(IDS[i], 1, IDS[i].length);
            int[] withEos = Arrays.copyOf(noBos, noBos.length + 1);
            withEos[noBos.length] = 2;
            assertThat(t.encode(TEXTS[i], false, true)).as(TEXTS[i]).containsExactly(withEos);
        }
    }

    @Test
    void decodesBackToTheText() throws IOException {
        SentencePieceTokenizer t = tok512();
        for (String text : TEXTS) {
            // The dummy prefix space is dropped after BOS, so the round trip gives the text itself.
            assertThat(t.decode(t.encode(text, true, false))).isEqualTo(text);
            assertThat(t.decode(t.encode(text, false, false))).isEqualTo(text);
        }
    }

    @Test
    void streamingDecodeFollowsRunC() throws IOException {
        SentencePieceTokenizer t = tok512();
        assertThat(t.decode(1, 403)).isEqualTo("Once");   // " Once" after BOS loses its space
        assertThat(t.decode(403, 407)).isEqualTo(" upon");
        assertThat(t.decode(426, 13)).isEqualTo("\n");     // <0x0A>
        assertThat(t.decodeBytes(410, 233)).containsExactly((byte) 0xE6);
    }

    @Test
    void rejectsTruncatedAndMismatchedTokenizers() throws IOException {
        byte[] bytes = Files.readAllBytes(SharedModels.require("tok512.bin"));
        Path truncated = tmp.resolve("tok.bin");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 3));
        assertThatThrownBy(() -> Llama2cTokenizer.load(truncated))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(truncated.toString())
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> Llama2cTokenizer.load(SharedModels.require("tok512.bin"), 1000))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("the model needs 1000");
        assertThatThrownBy(() -> Llama2cTokenizer.load(SharedModels.require("tok512.bin"), 300))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("do not match");
        Path badLength = tmp.resolve("len.bin");
        byte[] copy = bytes.clone();
        copy[8] = (byte) 0xFF; // length of token 0 becomes huge
        Files.write(badLength, copy);
        assertThatThrownBy(() -> Llama2cTokenizer.load(badLength)).hasMessageContaining("token 0 has length");
    }
}
