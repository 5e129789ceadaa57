package org.sparselora4j.lora.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The embedded default task, generated from a novel's text: a passage that names exactly one of a few
 * characters, then a question; the answer is that character's name. Long prompt, one-word answer: the shape
 * where SparseLoRA's dense output tokens and sparse context tokens matter. Passages are runs of whole sentences
 * of {@code minChars}..{@code maxChars} starting every other sentence; every {@code validationEvery}-th chapter
 * gives validation examples and the others training examples, so validation passages are text the fine-tuning
 * never saw, spread over the whole book. Each name is capped
 * at a number of examples per split so no name dominates.
 */
public final class WhoIsNamedTask {
    /** The question after every passage; the completion is " " + name. */
    public static final String QUESTION = "\nQuestion: Who is named in this passage?\nAnswer:";

    public static final List<String> NAMES = List.of("Ahab", "Starbuck", "Queequeg", "Stubb", "Flask", "Peleg", "Bildad", "Pip");

    private static final Pattern CHAPTER = Pattern.compile("(?m)^CHAPTER (\\d+)\\.");
    private static final Pattern SENTENCE = Pattern.compile("[^.!?]+[.!?]+[\"'”’)]*\\s*");

    /** One prompt/completion record. */
    public record Item(String prompt, String completion) {
    }

    public record Split(List<Item> train, List<Item> validation) {
    }

    private WhoIsNamedTask() {
    }

    public static Split generate(String text, int validationEvery, int minChars, int maxChars, int perNameTrain, int perNameValidation, long seed) {
        List<List<Item>> byChapterSplit = List.of(new ArrayList<>(), new ArrayList<>());
        Matcher chapters = CHAPTER.matcher(text);
        List<int[]> bounds = new ArrayList<>(); // {chapter number, start}
        while (chapters.find()) bounds.add(new int[] {Integer.parseInt(chapters.group(1)), chapters.start()});
        if (bounds.isEmpty()) throw new IllegalArgumentException("no 'CHAPTER n.' headings in the text");
        for (int c = 0; c < bounds.size(); c++) {
            int end = c + 1 < bounds.size() ? bounds.get(c + 1)[1] : text.length();
            String chapter = text.substring(bounds.get(c)[1], end);
            chapter = chapter.substring(chapter.indexOf('\n') + 1); // drop the heading line
            List<Item> target = byChapterSplit.get(bounds.get(c)[0] % validationEvery == 0 ? 1 : 0);
            passages(chapter, minChars, maxChars, target);
        }
        return new Split(cap(byChapterSplit.get(0), perNameTrain, seed), cap(byChapterSplit.get(1), perNameValidation, seed + 1));
    }

    private static void passages(String chapter, int minChars, int maxChars, List<Item> out) {
        List<String> sentences = new ArrayList<>();
        Matcher m = SENTENCE.matcher(chapter.replace('\n', ' ').replaceAll(" {2,}", " "));
        while (m.find()) sentences.add(m.group());
        // Runs of sentences starting every other sentence, each as long as it can be without passing maxChars.
        for (int i = 0; i < sentences.size(); i += 2) {
            StringBuilder passage = new StringBuilder();
            int j = i;
            while (j < sentences.size() && passage.length() + sentences.get(j).length() <= maxChars) passage.append(sentences.get(j++));
            String p = passage.toString().strip();
            if (p.length() < minChars) continue;
            String name = onlyName(p);
            if (name != null) out.add(new Item(p + QUESTION, " " + name));
        }
    }

    /** The one name of {@link #NAMES} the passage mentions, or null when it mentions none or several. */
    static String onlyName(String passage) {
        String found = null;
        for (String name : NAMES) {
            if (Pattern.compile("\\b" + name + "\\b").matcher(passage).find()) {
                if (found != null) return null;
                found = name;
            }
        }
        return found;
    }

    private static List<Item> cap(List<Item> items, int perName, long seed) {
        List<Item> shuffled = new ArrayList<>(items);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = shuffled.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Item t = shuffled.get(i);
            shuffled.set(i, shuffled.get(j));
            shuffled.set(j, t);
        }
        Map<String, Integer> taken = new HashMap<>();
        List<Item> out = new ArrayList<>();
        for (Item item : shuffled) {
            if (taken.merge(item.completion(), 1, Integer::sum) <= perName) out.add(item);
        }
        return out;
    }
}
