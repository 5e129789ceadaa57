package org.sparselora4j.sparse;

import org.sparselora4j.models.format.Safetensors;
import org.sparselora4j.models.format.SafetensorsWriter;
import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * SparseLoRA's SVD sparsity estimator (METHODS.md 1.4.1): for each layer that may run sparse and each of Wgate,
 * Wup, Wq, Wk, Wv (out, in), the rank-r factors of M = Wᵀ (in, out) = U·S·Vᵀ split symmetrically,
 * A = U_r·√S_r (in, r) and B = √S_r·V_rᵀ (r, out), so x·A·B ≈ x·Wᵀ. Built once per model, and saved as
 * safetensors with a fingerprint of the weights it came from, so a file never serves another model.
 */
public final class SvdEstimator {
    /** The paper's and the reference configs' rank. */
    public static final int DEFAULT_RANK = 8;
    /** The projections that get factors, in file order; Wo and Wdown have none (their channels follow v and the FFN). */
    public static final List<Target> TARGETS = List.of(Target.GATE, Target.UP, Target.Q, Target.K, Target.V);

    static final String FORMAT = "sparselora4j-svd-estimator/1";
    /** Values per matrix that enter the fingerprint; smaller matrices are hashed whole. */
    private static final int FINGERPRINT_SAMPLES = 1 << 20;

    /** x·a·b ≈ x·Wᵀ: a (in, rank), b (rank, out). */
    public record Factors(Tensor a, Tensor b) {
        public Factors {
            if (a.rank() != 2 || b.rank() != 2 || a.cols() != b.rows()) {
                throw new IllegalArgumentException("factors do not chain: a " + a.shape() + ", b " + b.shape());
            }
        }

        /** The factors of a weight W (out, in): the top rank triplets of W = U·S·Vᵀ give A = V·√S, B = √S·Uᵀ. */
        public static Factors of(Tensor weight, int rank) {
            Svd svd = Svd.truncated(weight.toFloat32(), rank); // a compact weight is decoded for its SVD only
            int out = weight.rows();
            int in = weight.cols();
            double[] s = svd.s();
            Tensor a = Tensor.zeros(in, rank);
            Tensor b = Tensor.zeros(rank, out);
            for (int j = 0; j < rank; j++) {
                float root = (float) Math.sqrt(s[j]);
                for (int i = 0; i < in; i++) a.set(svd.v().get(i, j) * root, i, j);
                for (int o = 0; o < out; o++) b.set(svd.u().get(o, j) * root, j, o);
            }
            return new Factors(a, b);
        }

        public int rank() {
            return a.cols();
        }

        public int inFeatures() {
            return a.rows();
        }

        public int outFeatures() {
            return b.cols();
        }

        /** x·A·B, (n, out) for x (n, in). */
        public Tensor project(Tensor x) {
            Tensor out = Tensor.zeros(x.rows(), outFeatures());
            project(x, Tensor.zeros(x.rows(), rank()), out);
            return out;
        }

        /** out = x·A·B through mid = x·A (n, r), into the given buffers. */
        public void project(Tensor x, Tensor mid, Tensor out) {
            MatMul.ab(x, a, mid, false);
            MatMul.ab(mid, b, out, false);
        }
    }

    /** The factors of one decoder block. */
    public record LayerFactors(Factors gate, Factors up, Factors q, Factors k, Factors v) {
        public Factors get(Target target) {
            return switch (target) {
                case GATE -> gate;
                case UP -> up;
                case Q -> q;
                case K -> k;
                case V -> v;
                case O, DOWN -> throw new IllegalArgumentException("the SVD estimator has no factors for " + target.hfName());
            };
        }
    }

    private final LlamaConfig config;
    private final int rank;
    private final SortedMap<Integer, LayerFactors> layers;
    private final String fingerprint;

    private SvdEstimator(LlamaConfig config, int rank, SortedMap<Integer, LayerFactors> layers, String fingerprint) {
        this.config = config;
        this.rank = rank;
        this.layers = Collections.unmodifiableSortedMap(new TreeMap<>(layers));
        this.fingerprint = fingerprint;
    }

    /** Factors for every layer. */
    public static SvdEstimator build(LlamaWeights weights, int rank) {
        return build(weights, rank, allLayers(weights.config()));
    }

    /** Factors for the given layers (those that may run sparse). */
    public static SvdEstimator build(LlamaWeights weights, int rank, Collection<Integer> layers) {
        List<Integer> list = checkLayers(weights.config(), layers);
        checkRank(weights, rank, list);
        // One matrix per task, spread over the cores: the subspace iteration's products are narrow (rank +
        // oversample columns), which the matmul runs on one thread, so at the 8B shape one matrix after another
        // left a core idle (28 layers: 6.5 min on 2 cores, 17 min on a loaded host). Each matrix's SVD is the same
        // computation (its own seed) whichever thread runs it, so the factors do not change.
        int n = list.size() * TARGETS.size();
        Factors[] all = new Factors[n];
        Parallel.current().forRange(n, (from, to) -> {
            for (int i = from; i < to; i++) {
                LayerWeights w = weights.layers().get(list.get(i / TARGETS.size()));
                all[i] = Factors.of(TARGETS.get(i % TARGETS.size()).weight(w), rank);
            }
        });
        SortedMap<Integer, LayerFactors> factors = new TreeMap<>();
        for (int j = 0; j < list.size(); j++) {
            int b = j * TARGETS.size();
            factors.put(list.get(j), new LayerFactors(all[b], all[b + 1], all[b + 2], all[b + 3], all[b + 4]));
        }
        return new SvdEstimator(weights.config(), rank, factors, fingerprint(weights, rank, list));
    }

    public LlamaConfig config() {
        return config;
    }

    public int rank() {
        return rank;
    }

    /** The layers that have factors, ascending. */
    public List<Integer> layers() {
        return List.copyOf(layers.keySet());
    }

    public boolean has(int layer) {
        return layers.containsKey(layer);
    }

    /** The factors of {@code layer}; an error names the layers there are when it has none. */
    public LayerFactors layer(int layer) {
        LayerFactors f = layers.get(layer);
        if (f == null) {
            throw new IllegalArgumentException("the SVD estimator has no factors for layer " + layer + "; it was built for layers " + layers.keySet());
        }
        return f;
    }

    /** The fingerprint of the weights, rank and layers this estimator was built from. */
    public String fingerprint() {
        return fingerprint;
    }

    /** Writes the factors and the fingerprint as one safetensors file (atomically: never half-written). */
    public void save(Path file) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<Integer, LayerFactors> e : layers.entrySet()) {
            for (Target t : TARGETS) {
                Factors f = e.getValue().get(t);
                tensors.put(tensorName(e.getKey(), t, "a"), f.a());
                tensors.put(tensorName(e.getKey(), t, "b"), f.b());
            }
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", FORMAT);
        metadata.put("rank", Integer.toString(rank));
        metadata.put("layers", layers.keySet().stream().map(String::valueOf).collect(Collectors.joining(",")));
        metadata.put("fingerprint", fingerprint);
        metadata.put("model", describe(config));
        SafetensorsWriter.write(file, tensors, metadata);
    }

    /**
     * The estimator in {@code file}, checked against {@code weights}: a file that is not an estimator file, or
     * whose fingerprint, rank or layers differ from these weights and the asked rank and layers, is an
     * {@link EstimatorFileException} naming the file. This is the path for a file the user points at.
     */
    public static SvdEstimator load(Path file, LlamaWeights weights, int rank, Collection<Integer> layers) throws IOException {
        List<Integer> wanted = checkLayers(weights.config(), layers);
        if (!Files.isRegularFile(file)) throw new EstimatorFileException(file, "no such estimator file", false);
        try (Safetensors st = openEstimator(file)) {
            Map<String, String> meta = st.metadata();
            int fileRank = parseRank(file, meta.get("rank"));
            List<Integer> fileLayers = parseLayers(file, meta.get("layers"));
            String stored = meta.get("fingerprint");
            if (fileRank != rank || !fileLayers.equals(wanted)) {
                throw new EstimatorFileException(file, "holds rank " + fileRank + " factors for layers " + fileLayers + ", but rank " + rank
                        + " for layers " + wanted + " was asked; delete it or point at another file", true);
            }
            String actual = fingerprint(weights, rank, wanted);
            if (!actual.equals(stored)) {
                throw new EstimatorFileException(file, "was built from other weights (its fingerprint " + shortHash(stored) + " differs from "
                        + shortHash(actual) + " of the model given" + (meta.containsKey("model") ? "; it was built for " + meta.get("model") : "")
                        + "); delete it or point at another file", true);
            }
            SortedMap<Integer, LayerFactors> factors = new TreeMap<>();
            for (int l : wanted) {
                LayerWeights w = weights.layers().get(l);
                Factors[] f = new Factors[TARGETS.size()];
                for (int i = 0; i < f.length; i++) {
                    Target t = TARGETS.get(i);
                    Tensor weight = t.weight(w);
                    Tensor a = read(st, file, tensorName(l, t, "a"), weight.cols(), rank);
                    Tensor b = read(st, file, tensorName(l, t, "b"), rank, weight.rows());
                    f[i] = new Factors(a, b);
                }
                factors.put(l, new LayerFactors(f[0], f[1], f[2], f[3], f[4]));
            }
            return new SvdEstimator(weights.config(), rank, factors, actual);
        }
    }

    /**
     * A cache beside a run: loads {@code file} when it matches, else builds the estimator and saves it there.
     * A stale cache (an estimator file for other weights, rank or layers) is rebuilt and replaced, with a notice;
     * a file that is not an estimator file at all is an error and is left alone.
     */
    public static SvdEstimator cached(Path file, LlamaWeights weights, int rank, Collection<Integer> layers, Consumer<String> notice)
            throws IOException {
        if (Files.exists(file)) {
            try {
                return load(file, weights, rank, layers);
            } catch (EstimatorFileException e) {
                if (!e.stale()) throw e;
                notice.accept(e.getMessage() + " (a cache: rebuilding it)");
            }
        }
        long start = System.nanoTime();
        SvdEstimator estimator = build(weights, rank, layers);
        estimator.save(file);
        notice.accept(String.format("built the rank-%d SVD estimator for %d layers in %.1f s; saved to %s",
                rank, estimator.layers.size(), (System.nanoTime() - start) / 1e9, file));
        return estimator;
    }

    /**
     * SHA-256 over a format tag, the model's shape, the rank, the layer list, and for each estimated matrix its
     * shape and values (all of them up to 2^20, else 2^20 evenly strided samples, first and last included).
     */
    public static String fingerprint(LlamaWeights weights, int rank, Collection<Integer> layers) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
        sha.update((FORMAT + "|" + describe(weights.config()) + "|rank=" + rank + "|layers=" + layers).getBytes(StandardCharsets.UTF_8));
        ByteBuffer buf = ByteBuffer.allocate(4 * 4096).order(ByteOrder.LITTLE_ENDIAN);
        for (int l : layers) {
            for (Target t : TARGETS) {
                Tensor w = t.weight(weights.layers().get(l));
                sha.update((l + "." + t.hfName() + ":" + w.rows() + "x" + w.cols()).getBytes(StandardCharsets.UTF_8));
                long n = w.size();
                long samples = Math.min(n, FINGERPRINT_SAMPLES);
                for (long i = 0; i < samples; i++) {
                    long at = samples == n ? i : (samples == 1 ? 0 : i * (n - 1) / (samples - 1));
                    buf.putFloat(w.get((int) (at / w.cols()), (int) (at % w.cols())));
                    if (!buf.hasRemaining()) {
                        sha.update(buf.flip());
                        buf.clear();
                    }
                }
                sha.update(buf.flip());
                buf.clear();
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Throws unless 1 ≤ rank ≤ min(in, out) for every estimated matrix of the given layers. */
    static void checkRank(LlamaWeights weights, int rank, List<Integer> layers) {
        if (rank < 1) throw new IllegalArgumentException("estimator rank must be at least 1, got " + rank);
        for (int l : layers) {
            for (Target t : TARGETS) {
                Tensor w = t.weight(weights.layers().get(l));
                int max = Math.min(w.rows(), w.cols());
                if (rank > max) {
                    throw new IllegalArgumentException("estimator rank " + rank + " is a rank larger than the weights allow: layer " + l + " "
                            + t.hfName() + " is " + w.rows() + " x " + w.cols() + ", so the rank can be at most " + max);
                }
            }
        }
    }

    private static List<Integer> checkLayers(LlamaConfig config, Collection<Integer> layers) {
        List<Integer> list = new ArrayList<>(new java.util.TreeSet<>(layers));
        for (int l : list) {
            if (l < 0 || l >= config.layers()) {
                throw new IllegalArgumentException("layer " + l + " is outside the model's " + config.layers() + " layers");
            }
        }
        return list;
    }

    private static List<Integer> allLayers(LlamaConfig config) {
        List<Integer> all = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) all.add(l);
        return all;
    }

    private static Safetensors openEstimator(Path file) throws EstimatorFileException {
        Safetensors st;
        try {
            st = Safetensors.open(file);
        } catch (IOException | RuntimeException e) {
            throw new EstimatorFileException(file, "not an SVD estimator file (" + e.getMessage() + ")", e);
        }
        if (!FORMAT.equals(st.metadata().get("format"))) {
            st.close();
            throw new EstimatorFileException(file, "not an SVD estimator file (no '" + FORMAT + "' format tag in its metadata)", false);
        }
        return st;
    }

    private static Tensor read(Safetensors st, Path file, String name, int rows, int cols) throws EstimatorFileException {
        Tensor t;
        try {
            t = st.read(name);
        } catch (IOException e) {
            throw new EstimatorFileException(file, "damaged estimator file: " + e.getMessage(), e);
        }
        if (t.rank() != 2 || t.rows() != rows || t.cols() != cols) {
            throw new EstimatorFileException(file, "damaged estimator file: " + name + " has shape " + t.shape() + ", expected [" + rows + ", " + cols + "]", false);
        }
        return t;
    }

    private static int parseRank(Path file, String text) throws EstimatorFileException {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException | NullPointerException e) {
            throw new EstimatorFileException(file, "damaged estimator file: rank '" + text + "' in its metadata", false);
        }
    }

    private static List<Integer> parseLayers(Path file, String text) throws EstimatorFileException {
        List<Integer> list = new ArrayList<>();
        if (text == null) throw new EstimatorFileException(file, "damaged estimator file: no layer list in its metadata", false);
        if (text.isEmpty()) return list;
        try {
            for (String part : text.split(",")) list.add(Integer.parseInt(part.trim()));
        } catch (NumberFormatException e) {
            throw new EstimatorFileException(file, "damaged estimator file: layer list '" + text + "' in its metadata", false);
        }
        return list;
    }

    private static String tensorName(int layer, Target target, String part) {
        return "layers." + layer + "." + target.hfName() + "." + part;
    }

    private static String describe(LlamaConfig c) {
        return "dim=" + c.dim() + " hidden=" + c.hiddenDim() + " layers=" + c.layers() + " heads=" + c.heads() + " kvHeads=" + c.kvHeads();
    }

    private static String shortHash(String hash) {
        return hash == null ? "(none)" : hash.substring(0, Math.min(12, hash.length()));
    }
}
