package org.sparselora4j.models.format;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * llama2.c's {@code tokenizer.bin}: int32 max_token_length, then for each token a float32 score, an int32 byte
 * length and that many bytes. The file does not store the vocabulary size (run.c takes it from the model), so
 * {@link #load(Path)} reads tokens to the end of the file. BOS is id 1 and EOS id 2, as in run.c.
 */
public final class Llama2cTokenizer {
    static final int BOS = 1;
    static final int EOS = 2;

    private Llama2cTokenizer() {
    }

    /** Reads every token in the file. */
    public static SentencePieceTokenizer load(Path path) throws IOException {
        return load(path, -1);
    }

    /** Reads a tokenizer that must hold exactly {@code vocabSize} tokens (the model's vocabulary). */
    public static SentencePieceTokenizer load(Path path, int vocabSize) throws IOException {
        try (MappedFile file = MappedFile.open(path)) {
            return read(file, vocabSize);
        }
    }

    static SentencePieceTokenizer read(MappedFile file, int vocabSize) throws ModelFormatException {
        int maxLength = file.readInt(0, "max_token_length");
        if (maxLength <= 0) throw file.error("bad llama2.c tokenizer: max_token_length " + maxLength + " is not positive");
        List<byte[]> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        long offset = 4;
        while (offset < file.size() && (vocabSize < 0 || pieces.size() < vocabSize)) {
            int token = pieces.size();
            float score = file.readFloat(offset, "score of token " + token);
            int length = file.readInt(offset + 4, "length of token " + token);
            if (length < 0 || length > maxLength) {
                throw file.error("bad llama2.c tokenizer: token " + token + " has length " + length
                        + " (max_token_length " + maxLength + ")");
            }
            pieces.add(file.readBytes(offset + 8, length, "bytes of token " + token));
            scores.add(score);
            offset += 8 + length;
        }
        if (vocabSize >= 0 && pieces.size() < vocabSize) {
            throw file.error("truncated: the tokenizer holds " + pieces.size() + " tokens, the model needs " + vocabSize);
        }
        if (vocabSize >= 0 && offset != file.size()) {
            throw file.error("the tokenizer holds more than the model's " + vocabSize + " tokens (" + (file.size() - offset)
                    + " bytes left over): tokenizer and model do not match");
        }
        if (pieces.size() <= EOS) throw file.error("bad llama2.c tokenizer: only " + pieces.size() + " tokens");
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) s[i] = scores.get(i);
        return new SentencePieceTokenizer(pieces.toArray(new byte[0][]), s, BOS, EOS);
    }
}
