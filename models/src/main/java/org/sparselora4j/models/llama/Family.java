package org.sparselora4j.models.llama;

/**
 * The checkpoint family a model belongs to: what its Hugging Face {@code model_type} and class are, and which
 * GGUF {@code general.architecture} llama.cpp gives it. The block itself is described by {@link Architecture};
 * the family only names the files a model is read from and written to.
 */
public enum Family {
    LLAMA("llama", "LlamaForCausalLM", "llama"),
    /** Mistral: the llama block with a sliding window that must cover the context used (llama.cpp converts it to llama). */
    MISTRAL("mistral", "MistralForCausalLM", "llama"),
    /** Qwen2 and Qwen2.5: q/k/v biases. */
    QWEN2("qwen2", "Qwen2ForCausalLM", "qwen2"),
    /** Qwen3: per-head q/k RMSNorm and an explicit head size. */
    QWEN3("qwen3", "Qwen3ForCausalLM", "qwen3");

    private final String modelType;
    private final String hfClass;
    private final String ggufArchitecture;

    Family(String modelType, String hfClass, String ggufArchitecture) {
        this.modelType = modelType;
        this.hfClass = hfClass;
        this.ggufArchitecture = ggufArchitecture;
    }

    /** Hugging Face {@code model_type}, such as {@code qwen2}. */
    public String modelType() {
        return modelType;
    }

    /** Hugging Face {@code architectures[0]}, such as {@code Qwen2ForCausalLM}. */
    public String hfClass() {
        return hfClass;
    }

    /** GGUF {@code general.architecture}. */
    public String ggufArchitecture() {
        return ggufArchitecture;
    }
}
