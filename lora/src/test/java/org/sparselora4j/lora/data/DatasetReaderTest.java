package org.sparselora4j.lora.data;

import org.junit.jupiter.api.Test;
import org.sparselora4j.models.llama.TokenBatch;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatasetReaderTest {
    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();

    private DatasetReader reader(int maxSeqLen) {
        return new DatasetReader(new CharTokenizer(), maxSeqLen, warnings::add);
    }

    @Test
    void promptCompletionPutsLossOnCompletionOnly() throws IOException {
        Path f = Files.writeString(dir.resolve("d.jsonl"), "{\"prompt\": \"ab\", \"completion\": \"cd\"}\n");
        List<Example> ex = reader(64).read(f);
        assertThat(ex).hasSize(1);
        // BOS a b | c d EOS
        assertThat(ex.get(0).tokens()).containsExactly(1, 'a' + 3, 'b' + 3, 'c' + 3, 'd' + 3, 2);
        assertThat(ex.get(0).firstLabel()).isEqualTo(3);
        TokenBatch b = Batching.of(ex);
        // position 2 ('b') predicts 'c'; 3 predicts 'd'; 4 predicts EOS; the rest carry no loss
        assertThat(b.targets()).containsExactly(-1, -1, 'c' + 3, 'd' + 3, 2, -1);
    }

    @Test
    void textLinesAndPlainText() throws IOException {
        Path jsonl = Files.writeString(dir.resolve("t.jsonl"), "{\"text\": \"hi\"}\n\n{\"text\": \"yo\"}\n");
        assertThat(reader(64).read(jsonl)).hasSize(2).allSatisfy(e -> assertThat(e.firstLabel()).isEqualTo(1));
        Path plain = Files.writeString(dir.resolve("p.txt"), "abcdefghij");
        List<Example> windows = reader(5).read(plain);
        assertThat(windows).hasSize(3);
        assertThat(windows.get(0).tokens()).containsExactly(1, 'a' + 3, 'b' + 3, 'c' + 3, 'd' + 3);
    }

    @Test
    void plainTextWindowsOfATokenizerWithoutBosStartWithText() throws IOException {
        // As Qwen's: bos() is a document separator that encode never adds.
        CharTokenizer noBos = new CharTokenizer() {
            @Override
            public int[] bosPrefix() {
                return new int[0];
            }

            @Override
            public int[] encode(String text, boolean addBos, boolean addEos) {
                return super.encode(text, false, addEos);
            }
        };
        Path plain = Files.writeString(dir.resolve("p.txt"), "abcdefghij");
        List<Example> windows = new DatasetReader(noBos, 4, warnings::add).read(plain);
        assertThat(windows).hasSize(3);
        assertThat(windows.get(0).tokens()).containsExactly('a' + 3, 'b' + 3, 'c' + 3, 'd' + 3);
        assertThat(windows.get(2).tokens()).containsExactly('i' + 3, 'j' + 3);
        Path jsonl = Files.writeString(dir.resolve("d.jsonl"), "{\"prompt\": \"ab\", \"completion\": \"cd\"}\n");
        assertThat(new DatasetReader(noBos, 64, warnings::add).read(jsonl).get(0).tokens()).containsExactly('a' + 3, 'b' + 3, 'c' + 3, 'd' + 3, 2);
    }

    @Test
    void longPromptLosesItsStartAndTooLongCompletionIsDropped() throws IOException {
        Path f = Files.writeString(dir.resolve("d.jsonl"),
                "{\"prompt\": \"abcdefgh\", \"completion\": \"xy\"}\n{\"prompt\": \"a\", \"completion\": \"0123456789\"}\n");
        List<Example> ex = reader(6).read(f);
        assertThat(ex).hasSize(1);
        assertThat(ex.get(0).tokens()).containsExactly(1, 'g' + 3, 'h' + 3, 'x' + 3, 'y' + 3, 2);
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).contains("line 1").contains("dropped the first 6 prompt tokens");
        assertThat(warnings.get(1)).contains("line 2").contains("example dropped");
    }

    @Test
    void badInputNamesTheLine() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"text\": \"ok\"}\n{\"text\": \n");
        assertThatThrownBy(() -> reader(64).read(bad)).isInstanceOf(DatasetException.class).hasMessageContaining("line 2").hasMessageContaining("malformed JSON");
        Path fields = Files.writeString(dir.resolve("f.jsonl"), "{\"question\": \"x\"}\n");
        assertThatThrownBy(() -> reader(64).read(fields)).hasMessageContaining("line 1").hasMessageContaining("\"prompt\"");
        Path empty = Files.writeString(dir.resolve("e.jsonl"), "\n");
        assertThatThrownBy(() -> reader(64).read(empty)).hasMessageContaining("no usable examples");
        assertThatThrownBy(() -> reader(64).read(dir.resolve("missing.jsonl"))).hasMessageContaining("no such data file");
    }

    @Test
    void batchesAreSeededAndPadded() {
        List<Example> ex = new ArrayList<>();
        for (int i = 0; i < 10; i++) ex.add(new Example(new int[] {1, 3 + i, 4 + i, 5}, 1));
        ex.add(new Example(new int[] {1, 7}, 1));
        Batches a = Batches.split(ex, 0.2, 3, 7);
        Batches b = Batches.split(ex, 0.2, 3, 7);
        assertThat(a.validation()).hasSize(2).isEqualTo(b.validation());
        assertThat(a.trainBatch(1, 2)).usingRecursiveComparison().isEqualTo(b.trainBatch(1, 2));
        assertThat(a.trainBatch(0, 0).tokens()).isNotEqualTo(a.trainBatch(1, 0).tokens());
        TokenBatch padded = Batching.of(List.of(ex.get(0), ex.get(10)));
        assertThat(padded.seqLen()).isEqualTo(4);
        assertThat(padded.lengths()).containsExactly(4, 2);
        assertThat(padded.targets()).containsExactly(3, 4, 5, -1, 7, -1, -1, -1);
        assertThatThrownBy(() -> Batches.split(ex, 1.0, 3, 7)).hasMessageContaining("validation fraction");
    }
}
