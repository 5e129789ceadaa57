package org.sparselora4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.models.format.HuggingFaceModel;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.sparse.losa.Sparsity;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PruneCommandTest {
    @TempDir
    Path dir;

    /** The golden greedy text, a few hundred tokens: enough for 8 calibration sequences of 16 tokens. */
    private String[] base(String... more) {
        String[] common = {"prune", "--model", CliRun.shared("models/stories260K.bin"), "--tokenizer", CliRun.shared("models/tok512.bin"),
                "--data", CliRun.shared("golden/stories260K-greedy-text.txt"), "--seq-len", "16", "--calibration", "8", "--cka-sequences", "4",
                "--validation-split", "0.2", "--batch", "2", "--threads", "1"};
        return Stream.concat(Stream.of(common), Stream.of(more)).toArray(String[]::new);
    }

    @Test
    void losaWritesAnExactlySparseModelAndReportsPerplexities() throws Exception {
        Path out = dir.resolve("sparse");
        CliRun run = CliRun.of(base("--sparsity", "0.5", "--rounds", "2", "--steps-per-round", "2", "--baseline", "--out", out.toString()));
        assertThat(run.exitCode()).as(run.err()).isZero();
        Map<String, Object> r = Json.parseObject(run.out());
        @SuppressWarnings("unchecked") Map<String, Object> sparsity = (Map<String, Object>) r.get("sparsity");
        assertThat(((Number) sparsity.get("overall")).doubleValue()).isEqualTo(0.5);
        @SuppressWarnings("unchecked") Map<String, Object> ppl = (Map<String, Object>) r.get("perplexity");
        assertThat(ppl).containsKeys("dense", "wanda", "losa", "lora_after_wanda");
        assertThat((List<?>) r.get("rounds")).hasSize(2);
        @SuppressWarnings("unchecked") Map<String, Object> baseline = (Map<String, Object>) r.get("lora_after_wanda");
        assertThat(((Number) baseline.get("merged_sparsity")).doubleValue()).isLessThan(0.5);
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("config.json", "model.safetensors", "tokenizer.bin", "prune.json");
        }
        LlamaWeights written = HuggingFaceModel.load(out);
        assertThat(Sparsity.of(written).overall()).isEqualTo(0.5);
        // Each block's matrices carry its CKA rate, 0.5 ± δ with δ = 0.01 at 50%, to within one element per row.
        @SuppressWarnings("unchecked") List<Map<String, Object>> rounds = (List<Map<String, Object>>) r.get("rounds");
        @SuppressWarnings("unchecked") List<Number> rates = (List<Number>) rounds.getLast().get("rates");
        for (int l = 0; l < written.layers().size(); l++) {
            assertThat(rates.get(l).doubleValue()).isIn(0.49, 0.5, 0.51);
            for (Target t : Target.values()) assertThat(Sparsity.of(t.weight(written.layers().get(l)))).isCloseTo(rates.get(l).doubleValue(), within(1.0 / 172));
        }

        // The sparse model through the CSR path gives the dense path's logits.
        CliRun sparse = CliRun.of("logits", "--model", out.toString(), "--tokens", "1,403,407,261", "--sparse", "on");
        CliRun plain = CliRun.of("logits", "--model", out.toString(), "--tokens", "1,403,407,261", "--sparse", "off");
        assertThat(sparse.exitCode()).as(sparse.err()).isZero();
        assertThat(sparse.err()).contains("35 of 35 block projections run as sparse (CSR) matmuls");
        assertThat(plain.err()).doesNotContain("CSR");
        @SuppressWarnings("unchecked") List<Number> a = (List<Number>) Json.parseObject(sparse.out()).get("logits");
        @SuppressWarnings("unchecked") List<Number> b = (List<Number>) Json.parseObject(plain.out()).get("logits");
        for (int i = 0; i < a.size(); i++) assertThat(a.get(i).doubleValue()).isCloseTo(b.get(i).doubleValue(), within(1e-4));

        // Never over an existing folder.
        CliRun again = CliRun.of(base("--method", "wanda", "--sparsity", "0.5", "--out", out.toString()));
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).contains("already exists");
    }

    @Test
    void wandaWithNOfM() throws Exception {
        Path out = dir.resolve("nm");
        CliRun run = CliRun.of(base("--method", "wanda", "--nm", "2:4", "--out", out.toString()));
        assertThat(run.exitCode()).as(run.err()).isZero();
        Map<String, Object> r = Json.parseObject(run.out());
        assertThat(r).containsEntry("pattern", "2:4");
        assertThat(((Number) r.get("target_sparsity")).doubleValue()).isEqualTo(0.5);
        LlamaWeights written = HuggingFaceModel.load(out);
        float[] wq = written.layers().getFirst().wq().toArray();
        for (int g = 0; g < wq.length; g += 4) {
            int kept = 0;
            for (int j = g; j < g + 4; j++) if (wq[j] != 0f) kept++;
            assertThat(kept).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void badInputGetsClearErrors() {
        CliRun outside = CliRun.of(base("--sparsity", "1.0"));
        assertThat(outside.exitCode()).isEqualTo(2);
        assertThat(outside.err()).contains("--sparsity must be in [0, 1)");
        CliRun negative = CliRun.of(base("--sparsity", "-0.1"));
        assertThat(negative.exitCode()).isEqualTo(2);
        CliRun missing = CliRun.of(base());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--sparsity is required");
        CliRun width = CliRun.of(base("--nm", "3:5"));
        assertThat(width.exitCode()).isEqualTo(2);
        assertThat(width.err()).contains("M = 5 does not divide the input width 64");
        CliRun conflict = CliRun.of(base("--nm", "2:4", "--sparsity", "0.7"));
        assertThat(conflict.exitCode()).isEqualTo(2);
        assertThat(conflict.err()).contains("gives sparsity 0.5");
        String[] args = base("--sparsity", "0.5", "--out", dir.resolve("x").toString());
        args[java.util.Arrays.asList(args).indexOf("--calibration") + 1] = "500";
        CliRun tooLittle = CliRun.of(args);
        assertThat(tooLittle.exitCode()).isEqualTo(2);
        assertThat(tooLittle.err()).contains("calibration sequences of 16 tokens").contains("--calibration 500 needs more text");
        assertThat(dir.resolve("x")).doesNotExist();
        CliRun ablation = CliRun.of(base("--sparsity", "0.5", "--ablation", "fancy"));
        assertThat(ablation.exitCode()).isEqualTo(2);
        assertThat(ablation.err()).contains("uniform-rates, uniform-ranks, one-shot");
    }
}
