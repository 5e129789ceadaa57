package org.sparselora4j.models.format;

import java.util.Arrays;
import java.util.List;

/**
 * The added tokens of a tokenizer as a character trie, for finding them in text: at a position, the longest added
 * token that starts there (Hugging Face's leftmost-longest match), special ones only when asked. Llama 3's 256
 * tokens all start with {@code <|}, so trying each in turn at every {@code <} of a text would be slow.
 */
final class AddedTokenTrie {
    private static final class Node {
        char[] keys = new char[0];
        Node[] children = new Node[0];
        HuggingFaceTokenizer.AddedToken token;   // the token ending here, or null

        Node child(char c) {
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] == c) return children[i];
            }
            return null;
        }

        Node childOrNew(char c) {
            Node n = child(c);
            if (n != null) return n;
            keys = Arrays.copyOf(keys, keys.length + 1);
            children = Arrays.copyOf(children, children.length + 1);
            keys[keys.length - 1] = c;
            n = new Node();
            children[children.length - 1] = n;
            return n;
        }
    }

    private final Node root = new Node();
    private final boolean[] first = new boolean[Character.MAX_VALUE + 1];   // some token starts with this char

    AddedTokenTrie(List<HuggingFaceTokenizer.AddedToken> tokens) {
        for (HuggingFaceTokenizer.AddedToken t : tokens) {
            String s = t.content();
            if (s.isEmpty()) continue;
            Node n = root;
            for (int i = 0; i < s.length(); i++) n = n.childOrNew(s.charAt(i));
            if (n.token == null) n.token = t;   // the first of duplicates wins
            first[s.charAt(0)] = true;
        }
    }

    /** The longest added token at {@code at} in {@code text} (special ones only when {@code special}), or null. */
    HuggingFaceTokenizer.AddedToken match(String text, int at, boolean special) {
        if (!first[text.charAt(at)]) return null;
        HuggingFaceTokenizer.AddedToken best = null;
        Node n = root;
        for (int i = at; i < text.length(); i++) {
            n = n.child(text.charAt(i));
            if (n == null) break;
            if (n.token != null && (special || !n.token.special())) best = n.token;
        }
        return best;
    }
}
