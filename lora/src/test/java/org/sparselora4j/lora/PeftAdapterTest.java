package org.sparselora4j.lora;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.models.format.HuggingFaceModel;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.Llama2cCheckpoint;
import org.sparselora4j.models.format.ModelFormatException;
import org.sparselora4j.models.format.RopePermutation;
import org.sparselora4j.models.format.Safetensors;
import org.sparselora4j.models.format.SafetensorsWriter;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PeftAdapterTest {
    @TempDir
    Path dir;

    private static final LoraConfig QV_DOWN = new LoraConfig(3, 6, 0.05f, EnumSet.of(Target.Q, Target.V, Target.DOWN));

    @Test
    void roundTripGivesIdenticalFactorsForBothRopeStyles() throws IOException {
        for (Rope.Style style : Rope.Style.values()) {
            LlamaWeights base = LoraFixtures.tiny(style, 1);
            LoraAdapter adapter = LoraFixtures.randomAdapter(base, LoraFixtures.allTargets(4, 8), 2, 0.2f);
            Path out = dir.resolve(style.name());
            PeftAdapter.write(out, adapter, "stories260K");
            LoraAdapter read = PeftAdapter.read(out, base);
            assertThat(read.config()).isEqualTo(adapter.config());
            for (int l = 0; l < base.config().layers(); l++) {
                for (Target t : Target.values()) {
                    assertThat(read.layer(l, t).a().value().toArray()).as("%s layer %d %s A", style, l, t).containsExactly(adapter.layer(l, t).a().value().toArray());
                    assertThat(read.layer(l, t).b().value().toArray()).as("%s layer %d %s B", style, l, t).containsExactly(adapter.layer(l, t).b().value().toArray());
                }
            }
        }
    }

    @Test
    void theFilesAreWhatPeftWrites() throws IOException {
        LlamaWeights base = LoraFixtures.tiny(Rope.Style.INTERLEAVED, 3);
        LoraAdapter adapter = LoraFixtures.randomAdapter(base, QV_DOWN, 4, 0.2f);
        PeftAdapter.write(dir, adapter, "karpathy/tinyllamas");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(PeftAdapter.CONFIG, PeftAdapter.WEIGHTS);
        }
        Map<String, Object> json = Json.parseObject(Files.readString(dir.resolve(PeftAdapter.CONFIG)));
        assertThat(json).containsEntry("peft_type", "LORA").containsEntry("task_type", "CAUSAL_LM").containsEntry("r", 3L)
                .containsEntry("lora_alpha", 6L).containsEntry("lora_dropout", 0.05).containsEntry("target_modules", List.of("q_proj", "v_proj", "down_proj"))
                .containsEntry("base_model_name_or_path", "karpathy/tinyllamas").containsEntry("bias", "none")
                .containsEntry("fan_in_fan_out", false).containsEntry("inference_mode", true).containsEntry("modules_to_save", null)
                .containsEntry("init_lora_weights", true).containsEntry("use_rslora", false).containsEntry("use_dora", false)
                .containsEntry("revision", null).containsEntry("layers_to_transform", null)
                .containsEntry("rank_pattern", Map.of()).containsEntry("alpha_pattern", Map.of());
        try (Safetensors st = Safetensors.open(dir.resolve(PeftAdapter.WEIGHTS))) {
            assertThat(st.tensors()).hasSize(2 * 3 * base.config().layers());
            Safetensors.Info qa = st.tensors().get("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight");
            Safetensors.Info qb = st.tensors().get("base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight");
            Safetensors.Info downB = st.tensors().get("base_model.model.model.layers.0.mlp.down_proj.lora_B.weight");
            assertThat(qa.dtype()).isEqualTo(Safetensors.Dtype.F32);
            assertThat(qa.shape()).containsExactly(3, 16);
            assertThat(qb.shape()).containsExactly(16, 3);
            assertThat(downB.shape()).containsExactly(16, 3);
            // The file holds Hugging Face's half-split layout: q's B rows permuted over heads, k's over kv heads.
            assertThat(st.read(qb.name()).toArray())
                    .containsExactly(RopePermutation.toHalfSplit(adapter.layer(1, Target.Q).b().value(), 4).toArray())
                    .isNotEqualTo(adapter.layer(1, Target.Q).b().value().toArray());
            assertThat(st.read(qa.name()).toArray()).containsExactly(adapter.layer(1, Target.Q).a().value().toArray());
            assertThat(st.read("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight").toArray())
                    .containsExactly(adapter.layer(1, Target.V).b().value().toArray());
        }
    }

    @Test
    void kRowsArePermutedOverTheKvHeads() throws IOException {
        LlamaWeights base = LoraFixtures.tiny(Rope.Style.INTERLEAVED, 5);
        LoraAdapter adapter = LoraFixtures.randomAdapter(base, new LoraConfig(2, 2, 0f, EnumSet.of(Target.K)), 6, 0.2f);
        Map<String, Tensor> tensors = PeftAdapter.tensors(adapter);
        assertThat(tensors.get(PeftAdapter.tensorName(0, Target.K, PeftAdapter.Factor.B)).toArray())
                .containsExactly(RopePermutation.toHalfSplit(adapter.layer(0, Target.K).b().value(), 2).toArray());
    }

    @Test
    void anAdapterSavedOnTheLlama2cFileActsTheSameOnTheHuggingFaceFolder() throws IOException {
        LlamaWeights bin = Llama2cCheckpoint.load(LoraFixtures.shared("stories260K.bin"));
        LlamaWeights hf = HuggingFaceModel.load(LoraFixtures.shared("stories260K-hf"));
        assertThat(bin.config().ropeStyle()).isEqualTo(Rope.Style.INTERLEAVED);
        assertThat(hf.config().ropeStyle()).isEqualTo(Rope.Style.HALF_SPLIT);
        int[] tokens = LoraFixtures.tokens(32, bin.config().vocabSize(), 7);

        LoraAdapter onBin = LoraFixtures.randomAdapter(bin, LoraFixtures.allTargets(4, 8), 8, 0.05f);
        PeftAdapter.write(dir.resolve("from-bin"), onBin, "stories260K");
        LoraAdapter onHf = PeftAdapter.read(dir.resolve("from-bin"), hf);
        Tensor binLogits = LoraFixtures.inferenceLogits(onBin.merged(), tokens);
        Tensor hfLogits = LoraFixtures.inferenceLogits(onHf.merged(), tokens);
        assertThat(LoraFixtures.maxAbsDifference(binLogits, LoraFixtures.inferenceLogits(bin, tokens))).as("the adapter must matter").isGreaterThan(1e-2);
        LoraFixtures.assertClose(hfLogits, binLogits, 1e-4);
        // The merged HF model is the HF export of the merged llama2.c model.
        Map<String, Tensor> exported = HuggingFaceModel.tensors(onBin.merged());
        HuggingFaceModel.tensors(onHf.merged()).forEach((name, t) -> LoraFixtures.assertClose(t, exported.get(name), 1e-6));

        // Without the permutation the q/k update would land on the wrong rows: the check above is sensitive to it.
        List<Map<Target, Tensor>> a = new ArrayList<>(), b = new ArrayList<>();
        for (int l = 0; l < bin.config().layers(); l++) {
            Map<Target, Tensor> al = new EnumMap<>(Target.class), bl = new EnumMap<>(Target.class);
            for (Target t : Target.values()) {
                al.put(t, onBin.layer(l, t).a().value());
                bl.put(t, onBin.layer(l, t).b().value());
            }
            a.add(al);
            b.add(bl);
        }
        Tensor unpermuted = LoraFixtures.inferenceLogits(LoraAdapter.of(hf, onBin.config(), a, b).merged(), tokens);
        assertThat(LoraFixtures.maxAbsDifference(unpermuted, binLogits)).isGreaterThan(1e-3);

        // And back: an adapter made on the HF folder, loaded into the llama2.c model.
        LoraAdapter onHf2 = LoraFixtures.randomAdapter(hf, LoraFixtures.allTargets(2, 4), 9, 0.05f);
        PeftAdapter.write(dir.resolve("from-hf"), onHf2);
        LoraAdapter onBin2 = PeftAdapter.read(dir.resolve("from-hf"), bin);
        LoraFixtures.assertClose(LoraFixtures.inferenceLogits(onBin2.merged(), tokens), LoraFixtures.inferenceLogits(onHf2.merged(), tokens), 1e-4);
        assertThat(Json.parseObject(Files.readString(dir.resolve("from-hf").resolve(PeftAdapter.CONFIG)))).containsEntry("base_model_name_or_path", null);
    }

    @Test
    void writingAgainReplacesTheAdapterAndLeavesNoTemporaryFiles() throws IOException {
        LlamaWeights base = LoraFixtures.tiny(Rope.Style.HALF_SPLIT, 10);
        PeftAdapter.write(dir, LoraFixtures.randomAdapter(base, QV_DOWN, 11, 0.2f));
        LoraAdapter second = LoraFixtures.randomAdapter(base, LoraFixtures.allTargets(2, 2), 12, 0.2f);
        PeftAdapter.write(dir, second);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(PeftAdapter.CONFIG, PeftAdapter.WEIGHTS);
        }
        LoraAdapter read = PeftAdapter.read(dir, base);
        assertThat(read.config()).isEqualTo(second.config());
        assertThat(read.layer(1, Target.UP).b().value().toArray()).containsExactly(second.layer(1, Target.UP).b().value().toArray());
    }

    private Path savedTiny() throws IOException {
        Path out = dir.resolve("adapter");
        PeftAdapter.write(out, LoraFixtures.randomAdapter(LoraFixtures.tiny(Rope.Style.INTERLEAVED, 20), QV_DOWN, 21, 0.2f));
        return out;
    }

    private static void editConfig(Path adapter, Consumer<Map<String, Object>> edit) throws IOException {
        Map<String, Object> json = Json.parseObject(Files.readString(adapter.resolve(PeftAdapter.CONFIG)));
        edit.accept(json);
        Files.writeString(adapter.resolve(PeftAdapter.CONFIG), Json.write(json));
    }

    private static void editTensors(Path adapter, Consumer<Map<String, Tensor>> edit) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Safetensors st = Safetensors.open(adapter.resolve(PeftAdapter.WEIGHTS))) {
            for (String name : st.tensors().keySet()) tensors.put(name, st.read(name));
        }
        edit.accept(tensors);
        SafetensorsWriter.write(adapter.resolve(PeftAdapter.WEIGHTS), tensors, Map.of());
    }

    private static String readError(Path adapter, LlamaWeights base) {
        try {
            PeftAdapter.read(adapter, base);
        } catch (IOException e) {
            assertThat(e).isInstanceOf(ModelFormatException.class);
            assertThat(e.getMessage()).doesNotContain("\n");
            return e.getMessage();
        }
        throw new AssertionError("expected the adapter in " + adapter + " to be refused");
    }

    @Test
    void aMissingTensorIsNamed() throws IOException {
        Path adapter = savedTiny();
        String name = "base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight";
        editTensors(adapter, t -> t.remove(name));
        assertThat(readError(adapter, LoraFixtures.tiny(Rope.Style.INTERLEAVED, 20)))
                .startsWith(adapter.resolve(PeftAdapter.WEIGHTS).toString())
                .contains("adapter does not fit the model").contains("missing tensor " + name);
    }

    @Test
    void aWrongShapeIsNamedWithBothShapes() throws IOException {
        Path adapter = savedTiny();
        String name = "base_model.model.model.layers.0.mlp.down_proj.lora_B.weight";
        editTensors(adapter, t -> t.put(name, Tensor.zeros(15, 3)));
        assertThat(readError(adapter, LoraFixtures.tiny(Rope.Style.INTERLEAVED, 20)))
                .contains(PeftAdapter.WEIGHTS).contains("adapter does not fit the model")
                .contains("tensor " + name + " has shape [15, 3]").contains("[16, 3]");
    }

    @Test
    void anAdapterForAnotherModelShapeDoesNotFit() throws IOException {
        Path adapter = savedTiny();
        LlamaWeights wider = org.sparselora4j.models.llama.LlamaInit.random(
                new org.sparselora4j.models.llama.LlamaConfig(32, 24, 2, 4, 2, 32, 16, 10000, Rope.Style.INTERLEAVED, 1e-5f, true), 1);
        assertThat(readError(adapter, wider)).contains("adapter does not fit the model").contains("has shape [3, 16]").contains("[3, 32]");
    }

    @Test
    void layersBeyondTheModelAreRefused() throws IOException {
        Path adapter = dir.resolve("deep");
        LlamaWeights threeLayers = org.sparselora4j.models.llama.LlamaInit.random(
                new org.sparselora4j.models.llama.LlamaConfig(16, 24, 3, 4, 2, 32, 16, 10000, Rope.Style.INTERLEAVED, 1e-5f, true), 1);
        PeftAdapter.write(adapter, LoraFixtures.randomAdapter(threeLayers, QV_DOWN, 22, 0.2f));
        assertThat(readError(adapter, LoraFixtures.tiny(Rope.Style.INTERLEAVED, 20)))
                .contains("adapter does not fit the model").contains("layers.2.").contains("is for layer 2 but the model has 2 layers");
    }

    @Test
    void tensorsThatAreNotLoraFactorsOfTargetedModulesAreRefused() throws IOException {
        Path adapter = savedTiny();
        LlamaWeights base = LoraFixtures.tiny(Rope.Style.INTERLEAVED, 20);
        editTensors(adapter, t -> t.put("base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight", Tensor.zeros(3, 16)));
        assertThat(readError(adapter, base)).contains("k_proj, which target_modules does not list");
        Path other = savedTiny();
        editTensors(other, t -> t.put("base_model.model.lm_head.lora_A.weight", Tensor.zeros(3, 16)));
        assertThat(readError(other, base)).contains("unexpected tensor base_model.model.lm_head.lora_A.weight");
    }

    @Test
    void theConfigIsChecked() throws IOException {
        LlamaWeights base = LoraFixtures.tiny(Rope.Style.INTERLEAVED, 20);
        record Case(Consumer<Map<String, Object>> edit, String message) {
        }
        List<Case> cases = List.of(
                new Case(j -> j.put("peft_type", "PREFIX_TUNING"), "peft_type is \"PREFIX_TUNING\", expected \"LORA\""),
                new Case(j -> j.remove("peft_type"), "peft_type is missing"),
                new Case(j -> j.remove("r"), "r (the LoRA rank) is missing"),
                new Case(j -> j.put("r", 0L), "r must be an integer"),
                new Case(j -> j.put("r", 2.5), "r must be an integer"),
                new Case(j -> j.remove("lora_alpha"), "lora_alpha is missing"),
                new Case(j -> j.put("lora_alpha", -1L), "lora_alpha must be a positive number, got -1"),
                new Case(j -> j.put("lora_alpha", "16"), "lora_alpha must be a positive number"),
                new Case(j -> j.put("lora_dropout", 1.5), "lora_dropout must be a number in [0, 1)"),
                new Case(j -> j.put("target_modules", List.of("q_proj", "qkv_proj")), "unknown target module \"qkv_proj\""),
                new Case(j -> j.put("target_modules", ".*proj"), "target_modules as a pattern"),
                new Case(j -> j.put("target_modules", List.of()), "target_modules must be a non-empty list"),
                new Case(j -> j.put("use_dora", true), "use_dora is true: DoRA adapters are not supported"),
                new Case(j -> j.put("use_rslora", true), "rsLoRA"),
                new Case(j -> j.put("bias", "all"), "bias"),
                new Case(j -> j.put("layers_to_transform", List.of(0L)), "layers_to_transform"),
                new Case(j -> j.put("rank_pattern", Map.of("q_proj", 8L)), "rank_pattern"));
        for (Case c : cases) {
            Path adapter = savedTiny();
            editConfig(adapter, c.edit());
            assertThat(readError(adapter, base)).as(c.message())
                    .startsWith(adapter.resolve(PeftAdapter.CONFIG).toString()).contains(c.message());
        }
    }

    @Test
    void allLinearTargetsEveryProjection() throws IOException {
        LlamaWeights base = LoraFixtures.tiny(Rope.Style.HALF_SPLIT, 23);
        PeftAdapter.write(dir, LoraFixtures.randomAdapter(base, LoraFixtures.allTargets(2, 2), 24, 0.2f));
        editConfig(dir, j -> j.put("target_modules", "all-linear"));
        assertThat(PeftAdapter.readConfig(dir).targets()).isEqualTo(EnumSet.allOf(Target.class));
    }

    @Test
    void badJsonAndMissingFilesAreNamed() throws IOException {
        LlamaWeights base = LoraFixtures.tiny(Rope.Style.INTERLEAVED, 20);
        Path adapter = savedTiny();
        Files.writeString(adapter.resolve(PeftAdapter.CONFIG), "{\"peft_type\": \"LORA\", \"r\": 8,");
        assertThat(readError(adapter, base)).startsWith(adapter.resolve(PeftAdapter.CONFIG).toString()).contains("not valid JSON");
        Files.writeString(adapter.resolve(PeftAdapter.CONFIG), "[1, 2]");
        assertThat(readError(adapter, base)).contains("not valid JSON").contains("expected a JSON object");

        Path noWeights = savedTiny();
        Files.delete(noWeights.resolve(PeftAdapter.WEIGHTS));
        assertThat(readError(noWeights, base)).contains("no " + PeftAdapter.WEIGHTS);
        Path noConfig = dir.resolve("empty");
        Files.createDirectories(noConfig);
        assertThat(readError(noConfig, base)).contains("not a PEFT adapter folder: no " + PeftAdapter.CONFIG);
        assertThat(readError(dir.resolve("absent"), base)).contains("no such adapter folder");

        Path truncated = savedTiny();
        byte[] bytes = Files.readAllBytes(truncated.resolve(PeftAdapter.WEIGHTS));
        Files.write(truncated.resolve(PeftAdapter.WEIGHTS), java.util.Arrays.copyOf(bytes, bytes.length - 10));
        assertThat(readError(truncated, base)).contains(PeftAdapter.WEIGHTS);
    }
}
