package org.sparselora4j.lora.data;

import org.sparselora4j.models.llama.TokenBatch;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Splits examples into training and validation sets and yields training batches in a seeded order: epoch e
 * shuffles with a random derived from (seed, e), so a resumed run sees exactly the batches it would have seen.
 */
public final class Batches {
    private final List<Example> train;
    private final List<Example> validation;
    private final int batchSize;
    private final long seed;

    private Batches(List<Example> train, List<Example> validation, int batchSize, long seed) {
        this.train = train;
        this.validation = validation;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /**
     * Holds out {@code validationFraction} of the examples (at least one when there are two or more and the
     * fraction is positive), chosen by {@code seed}.
     */
    public static Batches split(List<Example> examples, double validationFraction, int batchSize, long seed) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + validationFraction);
        }
        List<Example> shuffled = new ArrayList<>(examples);
        shuffle(shuffled, new SplittableRandom(seed ^ 0x5EEDL));
        int held = (int) Math.round(examples.size() * validationFraction);
        if (validationFraction > 0 && held == 0 && examples.size() >= 2) held = 1;
        List<Example> validation = List.copyOf(shuffled.subList(0, held));
        List<Example> train = List.copyOf(shuffled.subList(held, shuffled.size()));
        if (train.isEmpty()) throw new DatasetException("no training examples left after holding out " + held + " for validation");
        return new Batches(train, validation, batchSize, seed);
    }

    /** Given training and validation sets (validation data from its own file). */
    public static Batches of(List<Example> train, List<Example> validation, int batchSize, long seed) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        if (train.isEmpty()) throw new DatasetException("no training examples");
        return new Batches(List.copyOf(train), List.copyOf(validation), batchSize, seed);
    }

    public List<Example> train() {
        return train;
    }

    public List<Example> validation() {
        return validation;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Batches per epoch (the last may be smaller). */
    public int batchesPerEpoch() {
        return (train.size() + batchSize - 1) / batchSize;
    }

    /** Batch {@code index} of epoch {@code epoch}. */
    public TokenBatch trainBatch(int epoch, int index) {
        List<Example> order = epochOrder(epoch);
        int from = index * batchSize;
        if (from >= order.size()) throw new IndexOutOfBoundsException("batch " + index + " of an epoch of " + batchesPerEpoch());
        return Batching.of(order.subList(from, Math.min(order.size(), from + batchSize)));
    }

    /**
     * Replica {@code shard}'s part of batch {@code index} of epoch {@code epoch} in a run of {@code shards} data-parallel
     * replicas: a contiguous slice of the batch's examples, the first ones one example longer where they do not divide
     * evenly; null where the slice is empty (a short last batch). With one shard it is {@link #trainBatch}.
     */
    public TokenBatch trainShard(int epoch, int index, int shard, int shards) {
        if (shards < 1 || shard < 0 || shard >= shards) throw new IllegalArgumentException("shard " + shard + " of " + shards);
        if (shards == 1) return trainBatch(epoch, index);
        List<Example> order = epochOrder(epoch);
        int from = index * batchSize;
        if (from >= order.size()) throw new IndexOutOfBoundsException("batch " + index + " of an epoch of " + batchesPerEpoch());
        int size = Math.min(order.size(), from + batchSize) - from;
        int start = from + shard * (size / shards) + Math.min(shard, size % shards);
        int end = start + size / shards + (shard < size % shards ? 1 : 0);
        return start == end ? null : Batching.of(order.subList(start, end));
    }

    private int orderEpoch = -1;
    private List<Example> order;

    /** The training examples in epoch {@code epoch}'s order, shuffled once per epoch rather than per batch. */
    private List<Example> epochOrder(int epoch) {
        if (epoch != orderEpoch) {
            List<Example> shuffled = new ArrayList<>(train);
            shuffle(shuffled, new SplittableRandom(seed * 1_000_003L + epoch));
            order = shuffled;
            orderEpoch = epoch;
        }
        return order;
    }

    /** The validation set in fixed batches. */
    public List<TokenBatch> validationBatches() {
        List<TokenBatch> out = new ArrayList<>();
        for (int i = 0; i < validation.size(); i += batchSize) {
            out.add(Batching.of(validation.subList(i, Math.min(validation.size(), i + batchSize))));
        }
        return out;
    }

    private static void shuffle(List<Example> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Example t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
