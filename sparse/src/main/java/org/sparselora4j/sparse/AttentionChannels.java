package org.sparselora4j.sparse;

import org.sparselora4j.tensor.Index;

/**
 * The channels a sparse attention layer computes its frozen projections on for one step (METHODS.md 1.4.2, 1.5):
 * output rows of Wq ({@code q}, in [0, heads·headSize)), of Wk ({@code k}, in [0, kvDim)) and of Wv ({@code v}, in
 * [0, kvDim)), and input columns of Wo ({@code o}, in [0, heads·headSize)).
 */
public record AttentionChannels(Index q, Index k, Index v, Index o) {
}
