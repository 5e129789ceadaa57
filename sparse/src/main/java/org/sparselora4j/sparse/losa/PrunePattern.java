package org.sparselora4j.sparse.losa;

/**
 * Which weights of a row compete when pruning: the whole row ({@link Unstructured}, a rate per layer), or every
 * group of M consecutive input weights of a row, of which N survive ({@link NOfM}, 2:4 or 4:8).
 */
public sealed interface PrunePattern permits PrunePattern.Unstructured, PrunePattern.NOfM {
    /** The whole row is one comparison group; how much is pruned is the layer's rate. */
    record Unstructured() implements PrunePattern {
    }

    /**
     * In every group of {@code group} consecutive input weights of a row at most {@code keep} are non-zero.
     *
     * @param keep  N, weights kept per group (at least 1, at most group)
     * @param group M, the group width; it must divide the input width of every pruned matrix
     */
    record NOfM(int keep, int group) implements PrunePattern {
        public NOfM {
            if (group < 1) throw new IllegalArgumentException("N:M group width must be at least 1, got " + group);
            if (keep < 1 || keep > group) throw new IllegalArgumentException("N:M must keep 1 to " + group + " of each group, got " + keep + ":" + group);
        }

        /** Parses "N:M", such as "2:4". */
        public static NOfM parse(String text) {
            String[] parts = text.trim().split(":", -1);
            if (parts.length != 2) throw new IllegalArgumentException("N:M pattern must look like 2:4, got '" + text + "'");
            try {
                return new NOfM(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("N:M pattern must look like 2:4, got '" + text + "'");
            }
        }

        /** The fraction of zeros this pattern gives: 1 − N/M. */
        public double sparsity() {
            return 1.0 - (double) keep / group;
        }

        /**
         * The N:M pattern with the same M that comes closest to {@code fraction} of this pattern's sparsity
         * (N rounded, never below this pattern's N): the intermediate rounds of a schedule towards this pattern.
         */
        public NOfM atFraction(double fraction) {
            int pruned = (int) Math.round((group - keep) * Math.min(1.0, Math.max(0.0, fraction)));
            return new NOfM(group - pruned, group);
        }

        /** Throws unless M divides {@code inFeatures}; {@code what} names the matrix. */
        public void checkWidth(int inFeatures, String what) {
            if (inFeatures % group != 0) {
                throw new IllegalArgumentException("N:M group width " + group + " does not divide the input width " + inFeatures + " of " + what);
            }
        }

        @Override
        public String toString() {
            return keep + ":" + group;
        }
    }

    static PrunePattern unstructured() {
        return new Unstructured();
    }
}
