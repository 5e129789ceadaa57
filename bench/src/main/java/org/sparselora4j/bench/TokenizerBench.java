package org.sparselora4j.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sparselora4j.models.format.HuggingFaceTokenizer;

/**
 * How long do encoding a typical line and loading a 128k/151k vocabulary take with the Llama 3 and Qwen2
 * tokenizer.json files (../shared/golden/families, run from the repository root)? The issue asks for microseconds
 * per line and well under a second per load; a line taking tens of microseconds would make tokenizing a training
 * set noticeable next to a training step, and would call for a word cache.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Benchmark)
public class TokenizerBench {
    /** A typical line of prose: 96 characters, 20-odd tokens. */
    static final String LINE = "Call me Ishmael. Some years ago, never mind how long precisely, I thought I would sail about.";
    /** A line of code with tabs, numbers and an emoji. */
    static final String CODE = "\tfor (int i = 0; i < 1024; i++) sum += a[i] * b[i]; // 🚀 fast path, 3.14159\n";

    @Param({"llama3", "qwen2"})
    String family;

    private Path file;
    private HuggingFaceTokenizer tokenizer;

    @Setup
    public void setup() throws IOException {
        file = Path.of("..", "shared", "golden", "families", family, "hf", "tokenizer.json");
        tokenizer = HuggingFaceTokenizer.load(file);
    }

    @Benchmark
    public int[] encodeLine() {
        return tokenizer.encode(LINE, true, false);
    }

    @Benchmark
    public int[] encodeCode() {
        return tokenizer.encode(CODE, true, false);
    }

    /** The whole load: read and parse tokenizer.json, build the vocab, merge table and added tokens. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    public HuggingFaceTokenizer load() throws IOException {
        return HuggingFaceTokenizer.load(file);
    }
}
