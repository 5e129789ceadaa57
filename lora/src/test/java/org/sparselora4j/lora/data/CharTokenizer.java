package org.sparselora4j.lora.data;

import org.sparselora4j.models.format.Tokenizer;

/** A test tokenizer: id = char + 3, with 1 = BOS and 2 = EOS. */
class CharTokenizer implements Tokenizer {
    @Override
    public int vocabSize() {
        return 131;
    }

    @Override
    public int bos() {
        return 1;
    }

    @Override
    public int eos() {
        return 2;
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean addEos) {
        int n = text.length() + (addBos ? 1 : 0) + (addEos ? 1 : 0);
        int[] ids = new int[n];
        int p = 0;
        if (addBos) ids[p++] = 1;
        for (char c : text.toCharArray()) ids[p++] = (c & 127) + 3;
        if (addEos) ids[p] = 2;
        return ids;
    }

    @Override
    public String decode(int previous, int token) {
        return token >= 3 ? String.valueOf((char) (token - 3)) : "";
    }
}
