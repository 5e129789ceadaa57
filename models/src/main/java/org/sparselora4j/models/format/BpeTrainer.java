package org.sparselora4j.models.format;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Learns a byte-pair-encoding vocabulary from text and writes it as a llama2.c {@code tokenizer.bin}, so the
 * llama2.c tokenizer reads it back and its greedy best-score merging replays the merges in the order learned.
 * Layout, as in llama2.c's own vocabularies: {@code <unk>}, BOS, EOS, the 256 byte tokens {@code <0xHH>}, then
 * the merges with score −rank, then every single character of the text (score below all merges).
 * Words are split at spaces and carry their leading space, as the llama2.c encoder's dummy prefix does.
 */
public final class BpeTrainer {
    private BpeTrainer() {
    }

    /** A learned vocabulary: pieces in id order and their scores. */
    public record Vocabulary(List<String> pieces, float[] scores) {
        public int size() {
            return pieces.size();
        }
    }

    /** Learns merges until the vocabulary holds {@code vocabSize} pieces (or no pair occurs twice). */
    public static Vocabulary train(String text, int vocabSize) {
        Set<String> chars = new TreeSet<>();
        text.codePoints().forEach(cp -> chars.add(new String(Character.toChars(cp))));
        chars.add(" ");
        int fixed = 3 + 256;
        int budget = vocabSize - fixed - chars.size();
        if (budget < 0) {
            throw new IllegalArgumentException("vocabulary of " + vocabSize + " cannot hold the " + fixed
                    + " special and byte tokens and the " + chars.size() + " characters of the text");
        }

        // Unique words with counts; each word is a list of symbols, initially its characters.
        Map<String, Integer> wordCounts = new HashMap<>();
        for (String w : splitWords(text)) wordCounts.merge(w, 1, Integer::sum);
        List<List<String>> words = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (Map.Entry<String, Integer> e : wordCounts.entrySet()) {
            List<String> symbols = new ArrayList<>();
            e.getKey().codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
            words.add(symbols);
            counts.add(e.getValue());
        }

        Set<String> merges = new LinkedHashSet<>();
        while (merges.size() < budget) {
            Map<String, long[]> pairCounts = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                List<String> s = words.get(w);
                int c = counts.get(w);
                for (int i = 0; i + 1 < s.size(); i++) {
                    pairCounts.computeIfAbsent(s.get(i) + '\u0000' + s.get(i + 1), k -> new long[1])[0] += c;
                }
            }
            String best = null;
            long bestCount = 1;
            for (Map.Entry<String, long[]> e : pairCounts.entrySet()) {
                long c = e.getValue()[0];
                String merged = e.getKey().replace("\u0000", "");
                // Ties broken by the text of the pair so the result does not depend on hash order.
                if ((c > bestCount || (c == bestCount && best != null && e.getKey().compareTo(best) < 0))
                        && !merges.contains(merged) && !chars.contains(merged)) {
                    best = e.getKey();
                    bestCount = c;
                }
            }
            if (best == null) break;
            int sep = best.indexOf('\u0000');
            String left = best.substring(0, sep), right = best.substring(sep + 1);
            merges.add(left + right);
            for (List<String> s : words) {
                for (int i = 0; i + 1 < s.size(); i++) {
                    if (s.get(i).equals(left) && s.get(i + 1).equals(right)) {
                        s.set(i, left + right);
                        s.remove(i + 1);
                    }
                }
            }
        }

        List<String> pieces = new ArrayList<>();
        pieces.add("<unk>");
        pieces.add("\n<s>\n");
        pieces.add("\n</s>\n");
        for (int b = 0; b < 256; b++) pieces.add(String.format("<0x%02X>", b));
        pieces.addAll(merges);
        pieces.addAll(chars);
        float[] scores = new float[pieces.size()];
        int rank = 0;
        for (int i = fixed; i < pieces.size(); i++) scores[i] = -(rank++);
        return new Vocabulary(pieces, scores);
    }

    /** Words as the llama2.c encoder sees them: split before each space, the space kept with the word. */
    static List<String> splitWords(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder current = new StringBuilder(" "); // the encoder's dummy prefix
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ' && !current.isEmpty()) {
                words.add(current.toString());
                current.setLength(0);
            }
            current.append(c);
        }
        if (!current.isEmpty()) words.add(current.toString());
        return words;
    }

    /** Writes the vocabulary as a llama2.c tokenizer.bin (temporary file, then rename). */
    public static void write(Vocabulary vocabulary, Path file) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int maxLen = 0;
        for (String p : vocabulary.pieces()) maxLen = Math.max(maxLen, p.getBytes(StandardCharsets.UTF_8).length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(le(maxLen));
            for (int i = 0; i < vocabulary.size(); i++) {
                byte[] piece = vocabulary.pieces().get(i).getBytes(StandardCharsets.UTF_8);
                out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(vocabulary.scores()[i]).array());
                out.write(le(piece.length));
                out.write(piece);
            }
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes.toByteArray());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static byte[] le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }
}
