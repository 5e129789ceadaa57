package org.sparselora4j.models.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Varied texts for tokenizer agreement tests, made from a fixed seed: prose (paragraphs of data/moby-dick.txt when
 * scripts/fetch-corpus.sh has fetched it, built-in sentences otherwise), code with tabs, numbers, emoji, CJK, accents
 * and combining marks, Unicode spaces, runs of spaces and newlines, contractions in any case, and special-token markup.
 */
final class TokenizerTexts {
    private static final String[] PROSE = {
            "Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse,",
            "It's a truth universally acknowledged; we'll see. They've gone, I'm sure, and you'd've known.",
            "The quick brown fox jumps over the lazy dog.", "Once upon a time, there was a little girl named Lily.",
            "WE'LL SEE ABOUT THAT, SHE'S RIGHT! Don'T You'Re", "naïve café résumé Äpfel Ålborg façade œuvre",
            "Привет, как дела? Это тест.", "Γειά σου Κόσμε", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया",
            "こんにちは世界、今日はいい天気ですね。", "你好，世界！我们今天学习分词。", "안녕하세요 세계", "ไทย ภาษา",
    };
    private static final String[] CODE = {
            "def f(x):\n\treturn x ** 2  # square\n", "for (int i = 0; i < n; i++) {\n\tsum += a[i] * b[i];\n}\n",
            "if __name__ == \"__main__\":\n    main()\n", "<div class=\"x\">&amp;</div>", "SELECT * FROM t WHERE id = 42;",
            "x+=1;y-=2;z*=3", "{\"key\": [1, 2.5, -3e10, null]}", "\t\t\tindented\t\ttabs\t", "a_b-c.d/e\\f|g~h`i",
            "#include <stdio.h>\r\nint main(void) { return 0; }\r\n", "λx.x → ∀y∃z (y ≤ z)",
    };
    private static final String[] NUMBERS = {
            "123", "1234567890", "3.14159", "1,000,000", "-42", "0x1F", "2026-12-02", "12:30:45", "½ ¼ ¾", "١٢٣ ٤٥٦",
            "Ⅻ ⅷ", "①②③", "１２３", "10^6", "$19.99", "99%",
    };
    private static final String[] SYMBOLS = {
            "😀", "👍🏽", "👨‍👩‍👧‍👦", "🇩🇪", "❤️", "🤖🚀", "★☆", "™©®", "…", "—", "“quoted”", "«guillemets»", "¿¡",
            "e\u0301", "a\u0308", "\u00A0", "\u3000", "\u2009", "\u200B", "\u0085", "\u2028", "\u001F", "\u000B", "\f",
            "'s", "'S", "'ll", "'LL", "'Re", "'ve", "'D", "'M", "'t", "'ſ", "''", "'", "\uFEFF", "\u00AD",
    };
    private static final String[] SPACES = {" ", "  ", "   ", "    ", "\t", "\n", "\n\n", "\n\n\n", "\r\n", " \n", "\t\n", "  \n  ", "\n ", " \t "};
    private static final String[] MARKUP = {
            "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>user<|end_header_id|>\n\n", "<|eot_id|>",
            "<|im_start|>system\nYou are helpful.<|im_end|>\n", "<|endoftext|>", "<think>\n\n</think>", "<tool_call>",
            "<|reserved_special_token_5|>", "<|im_start|", "<|", "|>", "<s>", "</s>",
    };

    private TokenizerTexts() {
    }

    /** {@code count} texts from seed 11: some plain pieces, most random mixtures of them. */
    static List<String> make(int count) throws IOException {
        List<String> paragraphs = new ArrayList<>(List.of(PROSE));
        Path corpus = Path.of(System.getProperty("sparselora4j.data", "data")).resolve("moby-dick.txt");
        if (Files.isRegularFile(corpus)) {
            for (String p : Files.readString(corpus).split("\n\n")) {
                if (!p.isBlank() && p.length() < 4000) paragraphs.add(p);
            }
        }
        String[][] kinds = {paragraphs.toArray(new String[0]), CODE, NUMBERS, SYMBOLS, SPACES, MARKUP};
        SplittableRandom random = new SplittableRandom(11);
        List<String> texts = new ArrayList<>();
        texts.add("");
        for (String[] kind : kinds) texts.addAll(List.of(kind).subList(0, Math.min(kind.length, 40)));
        while (texts.size() < count) {
            StringBuilder sb = new StringBuilder();
            int parts = 1 + random.nextInt(8);
            for (int p = 0; p < parts; p++) {
                String[] kind = kinds[random.nextInt(kinds.length)];
                sb.append(kind[random.nextInt(kind.length)]);
                if (random.nextInt(3) == 0) sb.append(SPACES[random.nextInt(SPACES.length)]);
            }
            texts.add(sb.toString());
        }
        return texts;
    }
}
