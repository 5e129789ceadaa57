package org.sparselora4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.models.format.HuggingFaceModel;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.llama.LlamaInference;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ExportCommandTest {
    @TempDir
    Path dir;

    private static final int[] TOKENS = {1, 403, 407, 261, 378, 426, 261, 300, 352, 289};

    private static void assertClose(Tensor actual, Tensor expected, double tolerance) {
        float[] a = actual.toArray(), e = expected.toArray();
        assertThat(a).hasSameSizeAs(e);
        for (int i = 0; i < a.length; i++) assertThat((double) a[i]).as("element %d", i).isCloseTo(e[i], within(tolerance));
    }

    private static Tensor logits(LlamaWeights w) {
        return new LlamaInference(w).newSession().prefill(TOKENS);
    }

    @Test
    void exportsTheLlama2cModelAsAHuggingFaceFolderWithItsTokenizer() throws Exception {
        Path out = dir.resolve("hf");
        String tokenizer = CliRun.shared("models/tok512.bin");
        CliRun run = CliRun.of("export", "--model", CliRun.shared("models/stories260K.bin"), "--tokenizer", tokenizer, "--out", out.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        Map<String, Object> result = Json.parseObject(run.out());
        assertThat(result).containsEntry("out", out.toString()).containsEntry("adapter", null)
                .containsEntry("files", List.of("config.json", "model.safetensors", "tokenizer.bin"));
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("config.json", "model.safetensors", "tokenizer.bin");
        }
        assertThat(Files.readAllBytes(out.resolve("tokenizer.bin"))).isEqualTo(Files.readAllBytes(Path.of(tokenizer)));
        LlamaWeights hf = HuggingFaceModel.load(out);
        assertThat(hf.config().ropeStyle()).isEqualTo(Rope.Style.HALF_SPLIT);
        assertClose(logits(hf), logits(Adapters.stories260K()), 1e-4);
        // The same tensors as the Hugging Face conversion in the shared folder.
        LlamaWeights reference = HuggingFaceModel.load(Path.of(CliRun.shared("models/stories260K-hf")));
        Map<String, Tensor> expected = HuggingFaceModel.tensors(reference);
        HuggingFaceModel.tensors(hf).forEach((name, t) -> assertThat(t.toArray()).as(name).containsExactly(expected.get(name).toArray()));
    }

    @Test
    void exportsWithTheAdapterMergedIn() throws Exception {
        LlamaWeights base = Adapters.stories260K();
        LoraAdapter adapter = Adapters.make(base, 0.05f, 5);
        Path a = Adapters.write(dir.resolve("adapter"), adapter);
        Path out = dir.resolve("merged");
        CliRun run = CliRun.of("export", "--model", CliRun.shared("models/stories260K.bin"), "--adapter", a.toString(), "--out", out.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Json.parseObject(run.out())).containsEntry("adapter", a.toString()).containsEntry("tokenizer", null)
                .containsEntry("files", List.of("config.json", "model.safetensors"));
        assertThat(run.err()).contains("merged in");
        LlamaWeights hf = HuggingFaceModel.load(out);
        Tensor merged = logits(adapter.merged());
        assertClose(logits(hf), merged, 1e-4);
        assertThat(maxDifference(merged, logits(base))).as("the adapter must matter").isGreaterThan(1e-2);
        // The folder's q/k rows are half-split: the merged llama2.c weights, permuted as HF's conversion does.
        Map<String, Tensor> expected = HuggingFaceModel.tensors(adapter.merged());
        assertClose(hf.layers().get(2).wq(), expected.get("model.layers.2.self_attn." + Target.Q.hfName() + ".weight"), 1e-6);
    }

    private static double maxDifference(Tensor a, Tensor b) {
        double max = 0;
        for (int i = 0; i < a.size(); i++) max = Math.max(max, Math.abs(a.toArray()[i] - b.toArray()[i]));
        return max;
    }

    @Test
    void aFolderThatHoldsAModelIsNotOverwritten() throws Exception {
        Path out = dir.resolve("hf");
        String model = CliRun.shared("models/stories260K.bin");
        assertThat(CliRun.of("export", "--model", model, "--out", out.toString()).exitCode()).isZero();
        byte[] before = Files.readAllBytes(out.resolve("model.safetensors"));
        CliRun again = CliRun.of("export", "--model", model, "--out", out.toString());
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err().strip()).isEqualTo("sparselora4j export: --out " + out + ": already holds config.json; choose a new folder or remove it");
        assertThat(Files.readAllBytes(out.resolve("model.safetensors"))).isEqualTo(before);

        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThat(CliRun.of("export", "--model", model, "--out", file.toString()).err()).contains("exists and is not a folder");
        assertThat(Files.readString(file)).isEqualTo("x");
    }

    @Test
    void badInputsAreNamedAndWriteNothing() throws Exception {
        String model = CliRun.shared("models/stories260K.bin");
        Path out = dir.resolve("never");
        CliRun noOut = CliRun.of("export", "--model", model);
        assertThat(noOut.exitCode()).isEqualTo(2);
        assertThat(noOut.err()).contains("--out is required");

        CliRun noAdapter = CliRun.of("export", "--model", model, "--adapter", dir.resolve("nope").toString(), "--out", out.toString());
        assertThat(noAdapter.exitCode()).isEqualTo(1);
        assertThat(noAdapter.err()).contains("--adapter " + dir.resolve("nope") + ": no such folder");

        Path tinyAdapter = Adapters.write(dir.resolve("tiny"), Adapters.make(org.sparselora4j.models.llama.LlamaInit.random(
                new org.sparselora4j.models.llama.LlamaConfig(16, 24, 2, 4, 2, 32, 16, 10000, Rope.Style.INTERLEAVED, 1e-5f, true), 1), 0.1f, 6));
        CliRun misfit = CliRun.of("export", "--model", model, "--adapter", tinyAdapter.toString(), "--out", out.toString());
        assertThat(misfit.exitCode()).isEqualTo(1);
        assertThat(misfit.err().strip()).doesNotContain("\n").contains("adapter_model.safetensors").contains("adapter does not fit the model");

        CliRun badTokenizer = CliRun.of("export", "--model", model, "--tokenizer", dir.resolve("tok.bin").toString(), "--out", out.toString());
        assertThat(badTokenizer.exitCode()).isEqualTo(1);
        assertThat(badTokenizer.err()).contains("--tokenizer " + dir.resolve("tok.bin") + ": no such file");
        assertThat(out).doesNotExist();
    }

    @Test
    void exportIsListedInTheUsage() {
        assertThat(CliRun.of("--help").out()).contains("export");
        assertThat(CliRun.of("export", "--help").out()).contains("--adapter").contains("--out");
    }
}
