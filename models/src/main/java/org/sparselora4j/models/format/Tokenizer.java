package org.sparselora4j.models.format;

/**
 * Text to token ids and back, as the model was trained. Implementations: llama2.c {@code tokenizer.bin},
 * GGUF vocabularies (SentencePiece and byte-level BPE), Hugging Face {@code tokenizer.json} BPE.
 */
public interface Tokenizer {
    int vocabSize();

    /** Beginning-of-sequence id. */
    int bos();

    /** End-of-sequence id. */
    int eos();

    /**
     * What {@link #encode} puts before the text when BOS is asked for, by the family's own convention: {@code [bos]}
     * for llama2.c, SentencePiece and Llama 3; none where the tokenizer adds no BOS (Qwen: HF {@code add_bos_token}
     * false and a ByteLevel post-processor, GGUF {@code tokenizer.ggml.add_bos_token} false), whose {@link #bos()} is
     * only the id a decoder treats as the start ({@code <|endoftext|>}).
     */
    default int[] bosPrefix() {
        return new int[] {bos()};
    }

    /** Token ids of {@code text}, with BOS (as {@link #bosPrefix()} has it) and/or EOS added when asked. */
    int[] encode(String text, boolean addBos, boolean addEos);

    /**
     * Token ids of {@code text}; special-token markup in it (such as {@code <|eot_id|>}) becomes its token only when
     * {@code parseSpecial}, else it is encoded as plain text. Tokenizers without special tokens ignore the flag.
     */
    default int[] encode(String text, boolean addBos, boolean addEos, boolean parseSpecial) {
        return encode(text, addBos, addEos);
    }

    /**
     * The text of {@code token} when it follows {@code previous}, as a streaming decoder prints it (a leading
     * space after BOS is dropped, byte tokens such as {@code <0x0A>} become their byte).
     */
    String decode(int previous, int token);

    /** The text of a whole sequence; the first token is treated as following BOS. */
    default String decode(int[] tokens) {
        StringBuilder sb = new StringBuilder();
        int previous = bos();
        for (int t : tokens) {
            if (t == bos()) {
                previous = t;
                continue;
            }
            sb.append(decode(previous, t));
            previous = t;
        }
        return sb.toString();
    }
}
