package org.sparselora4j.models.format;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A SentencePiece-style vocabulary of byte-string pieces with merge scores, encoded and decoded exactly like
 * llama2.c's {@code run.c}: a dummy-prefix " " token, one token per UTF-8 codepoint (or its bytes as
 * {@code <0xHH>} tokens when the codepoint is not a piece), then repeatedly merging the adjacent pair whose
 * concatenation is the best-scoring piece. Both the llama2.c {@code tokenizer.bin} and GGUF's llama
 * vocabulary load into this class; pieces hold real spaces, not U+2581.
 */
public final class SentencePieceTokenizer implements Tokenizer {
    /** run.c starts its best score here, so pairs scoring at or below it never merge. */
    private static final float NO_MERGE = -1e10f;

    private final byte[][] pieces;
    private final float[] scores;
    private final int bos;
    private final boolean addsBos;
    private final int eos;
    private final int[] byteTokens;         // id of the <0xHH> piece for each byte value
    private final Map<String, Integer> ids;  // piece bytes as ISO-8859-1 text (one char per byte) → first id
    private final int spaceId;               // the dummy prefix " ", or -1

    /**
     * @param pieces each token's bytes (UTF-8 text, or the literal text {@code <0xHH>} for byte tokens)
     * @param scores each token's merge score; higher merges first
     */
    public SentencePieceTokenizer(byte[][] pieces, float[] scores, int bos, int eos) {
        this(pieces, scores, bos, eos, true);
    }

    /** As above; {@code addsBos} false for a vocabulary whose sequences start without BOS (GGUF {@code add_bos_token} false). */
    public SentencePieceTokenizer(byte[][] pieces, float[] scores, int bos, int eos, boolean addsBos) {
        this.addsBos = addsBos;
        if (pieces.length != scores.length) {
            throw new IllegalArgumentException(pieces.length + " pieces but " + scores.length + " scores");
        }
        if (bos < 0 || bos >= pieces.length || eos < 0 || eos >= pieces.length) {
            throw new IllegalArgumentException("bos " + bos + " or eos " + eos + " outside a vocabulary of " + pieces.length);
        }
        this.pieces = pieces.clone();
        this.scores = scores.clone();
        this.bos = bos;
        this.eos = eos;
        this.ids = new HashMap<>(pieces.length * 2);
        for (int i = 0; i < pieces.length; i++) ids.putIfAbsent(key(pieces[i]), i);
        this.byteTokens = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = ids.get(String.format("<0x%02X>", b));
            // run.c assumes the 256 byte tokens follow <unk>, <s>, </s>: id = byte + 3.
            byteTokens[b] = id != null ? id : b + 3;
        }
        Integer space = ids.get(" ");
        this.spaceId = space != null ? space : -1;
    }

    private static String key(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    @Override
    public int[] bosPrefix() {
        return addsBos ? new int[] {bos} : new int[0];
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int bos() {
        return bos;
    }

    @Override
    public int eos() {
        return eos;
    }

    /** The bytes of a token as stored (byte tokens are their {@code <0xHH>} text). */
    public byte[] piece(int token) {
        return pieces[checkToken(token)].clone();
    }

    public float score(int token) {
        return scores[checkToken(token)];
    }

    private int checkToken(int token) {
        if (token < 0 || token >= pieces.length) {
            throw new IllegalArgumentException("token " + token + " outside a vocabulary of " + pieces.length);
        }
        return token;
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean addEos) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] tokens = new int[utf8.length + 3];
        int n = 0;
        if (addBos && addsBos) tokens[n++] = bos;
        if (utf8.length > 0) tokens[n++] = spaceId >= 0 ? spaceId : byteToken(' ');
        // One token per UTF-8 codepoint (at most 4 bytes), or one per byte when the codepoint is not a piece.
        int start = 0;
        while (start < utf8.length) {
            int end = start + 1;
            while (end < utf8.length && (utf8[end] & 0xC0) == 0x80 && end - start < 4) end++;
            Integer id = ids.get(new String(utf8, start, end - start, StandardCharsets.ISO_8859_1));
            if (id != null) {
                tokens[n++] = id;
            } else {
                for (int i = start; i < end; i++) tokens[n++] = byteToken(utf8[i]);
            }
            start = end;
        }
        n = merge(tokens, n);
        if (addEos) tokens[n++] = eos;
        return Arrays.copyOf(tokens, n);
    }

    private int byteToken(int b) {
        return byteTokens[b & 0xFF];
    }

    /**
     * Greedy merging as in run.c: while some adjacent pair concatenates to a piece, replace the pair whose piece
     * scores highest (the leftmost on ties) by that piece. run.c rescans every pair after each merge, which is
     * quadratic; here candidate pairs wait in a heap ordered by (score, then position) over a linked list of
     * symbols, and a popped pair is used only if both its symbols are still there unchanged. That picks exactly
     * the pair run.c picks at every step, in O(n log n).
     */
    private int merge(int[] tokens, int n) {
        if (n < 2) return n;
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        // Heap entries: {score bits (descending), left position, left token, right token, merged id}.
        java.util.PriorityQueue<long[]> heap = new java.util.PriorityQueue<>((x, y) -> {
            int c = Float.compare(Float.intBitsToFloat((int) y[0]), Float.intBitsToFloat((int) x[0]));
            return c != 0 ? c : Long.compare(x[1], y[1]);
        });
        for (int i = 0; i + 1 < n; i++) offer(heap, tokens, i, i + 1);
        int alive = n;
        while (!heap.isEmpty()) {
            long[] e = heap.poll();
            int left = (int) e[1];
            int right = next[left];
            if (right < 0 || tokens[left] != (int) e[2] || tokens[right] != (int) e[3]) continue; // stale
            tokens[left] = (int) e[4];
            tokens[right] = -1;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            alive--;
            if (prev[left] >= 0) offer(heap, tokens, prev[left], left);
            if (next[left] >= 0) offer(heap, tokens, left, next[left]);
        }
        int m = 0;
        for (int i = 0; i >= 0; i = next[i]) tokens[m++] = tokens[i];
        assert m == alive;
        return m;
    }

    private void offer(java.util.PriorityQueue<long[]> heap, int[] tokens, int left, int right) {
        int id = pair(tokens[left], tokens[right]);
        if (id >= 0) heap.add(new long[] {Float.floatToRawIntBits(scores[id]) & 0xFFFFFFFFL, left, tokens[left], tokens[right], id});
    }

    private int pair(int left, int right) {
        byte[] a = pieces[left], b = pieces[right];
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        Integer id = ids.get(key(joined));
        return id == null ? -1 : id;
    }

    /**
     * The bytes run.c prints for {@code token} after {@code previous}: the piece, without its leading space
     * right after BOS, or the single raw byte of a {@code <0xHH>} token.
     */
    public byte[] decodeBytes(int previous, int token) {
        byte[] piece = pieces[checkToken(token)];
        int raw = rawByte(piece);
        if (raw >= 0) return new byte[] {(byte) raw};
        if (previous == bos && piece.length > 0 && piece[0] == ' ') return Arrays.copyOfRange(piece, 1, piece.length);
        return piece.clone();
    }

    /** The byte value of a piece spelled {@code <0xHH>}, or -1. */
    private static int rawByte(byte[] piece) {
        if (piece.length != 6 || piece[0] != '<' || piece[1] != '0' || piece[2] != 'x' || piece[5] != '>') return -1;
        int hi = Character.digit(piece[3], 16), lo = Character.digit(piece[4], 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /** A single byte token that is not a whole UTF-8 character decodes to U+FFFD; see {@link #decode(int[])}. */
    @Override
    public String decode(int previous, int token) {
        return new String(decodeBytes(previous, token), StandardCharsets.UTF_8);
    }

    /** Joins the bytes of all tokens before decoding UTF-8, so characters split over byte tokens come out whole. */
    @Override
    public String decode(int[] tokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int previous = bos;
        for (int t : tokens) {
            if (t != bos) out.writeBytes(decodeBytes(previous, t));
            previous = t;
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
