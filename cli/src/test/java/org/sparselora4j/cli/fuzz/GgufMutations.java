package org.sparselora4j.cli.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Lies told in the fields of a GGUF file, found by name: a metadata value (a count such as {@code llama.block_count},
 * an array length, a type), a tensor's dimension count, dimensions, type or offset. Byte mutations rarely hit these
 * exactly; a lie there is what a loader must check before it allocates.
 */
final class GgufMutations {
    private GgufMutations() {
    }

    /** These and the byte mutations. */
    static List<Mutation> all() {
        List<Mutation> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) all.add(GgufMutations::namedField);
        all.addAll(ByteMutations.all());
        return all;
    }

    /** Where {@code name}, stored as a GGUF string (u64 length then bytes), ends in {@code in}; -1 when absent. */
    private static int after(byte[] in, String name, SplittableRandom r) {
        byte[] needle = name.getBytes(StandardCharsets.UTF_8);
        List<Integer> hits = new ArrayList<>();
        outer:
        for (int i = 8; i + needle.length <= in.length; i++) {
            for (int k = 0; k < needle.length; k++) if (in[i + k] != needle[k]) continue outer;
            if (ByteBuffer.wrap(in, i - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong() == needle.length) hits.add(i + needle.length);
        }
        return hits.isEmpty() ? -1 : hits.get(r.nextInt(hits.size()));
    }

    static byte[] namedField(byte[] in, SplittableRandom r, StringBuilder log) {
        String[] keys = {"llama.embedding_length", "llama.feed_forward_length", "llama.block_count", "llama.attention.head_count",
                "llama.attention.head_count_kv", "llama.context_length", "general.alignment", "tokenizer.ggml.tokens",
                "tokenizer.ggml.scores", "tokenizer.ggml.bos_token_id", "token_embd.weight", "blk.0.attn_q.weight",
                "blk.1.ffn_down.weight", "output.weight"};
        String name = keys[r.nextInt(keys.length)];
        int at = after(in, name, r);
        if (at < 0) return ByteMutations.lyingInt(in, r, log);
        // After a key: u32 type, then the value (for an array: u32 element type, u64 length). After a tensor name:
        // u32 dimension count, u64 dims, u32 type, u64 offset.
        int[] widths = {4, 4, 8, 8, 8, 4, 8};
        int field = r.nextInt(widths.length);
        int offset = at;
        for (int i = 0; i < field; i++) offset += widths[i];
        int width = widths[field];
        if (offset + width > in.length) return in;
        long v = ByteMutations.INTERESTING[r.nextInt(ByteMutations.INTERESTING.length)];
        byte[] out = in.clone();
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        if (width == 4) b.putInt(offset, (int) v);
        else b.putLong(offset, v);
        log.append(name).append(" field ").append(field).append(" := ").append(v).append("; ");
        return out;
    }
}
