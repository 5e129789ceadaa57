package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.kernel.Rope;

import java.util.Arrays;
import java.util.Optional;

/**
 * How a model's RoPE frequencies derive from the plain ones, f_i = theta^(−2i/headSize): Hugging Face's
 * {@code rope_scaling} (absent, {@code linear}, {@code llama3}) or a GGUF's {@code rope_freqs} tensor.
 */
public sealed interface RopeScaling {
    /** The frequencies (headSize/2) of this scaling at base {@code theta}. */
    float[] inverseFrequencies(double theta, int headSize);

    /** No scaling. */
    record None() implements RopeScaling {
        @Override
        public float[] inverseFrequencies(double theta, int headSize) {
            return Rope.plainFrequencies(headSize, theta);
        }
    }

    /** Position interpolation: every frequency divided by {@code factor}. */
    record Linear(double factor) implements RopeScaling {
        public Linear {
            if (!(factor > 0)) throw new IllegalArgumentException("linear RoPE factor must be positive, got " + factor);
        }

        @Override
        public float[] inverseFrequencies(double theta, int headSize) {
            float[] f = Rope.plainFrequencies(headSize, theta);
            for (int i = 0; i < f.length; i++) f[i] = (float) (f[i] / factor);
            return f;
        }
    }

    /**
     * Llama 3.1's scaling: wavelengths 2π/f shorter than originalContext/highFreqFactor keep f, longer than
     * originalContext/lowFreqFactor get f/factor, and those between blend the two by
     * s = (originalContext/wavelength − low)/(high − low): (1 − s)·f/factor + s·f.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalContext) implements RopeScaling {
        public Llama3 {
            if (!(factor > 0)) throw new IllegalArgumentException("llama3 RoPE factor must be positive, got " + factor);
            if (!(highFreqFactor > lowFreqFactor) || !(lowFreqFactor > 0)) {
                throw new IllegalArgumentException("llama3 RoPE needs 0 < low_freq_factor < high_freq_factor, got " + lowFreqFactor + " and " + highFreqFactor);
            }
            if (originalContext <= 0) throw new IllegalArgumentException("llama3 RoPE original context must be positive, got " + originalContext);
        }

        @Override
        public float[] inverseFrequencies(double theta, int headSize) {
            float[] f = Rope.plainFrequencies(headSize, theta);
            double lowWavelength = originalContext / lowFreqFactor;
            double highWavelength = originalContext / highFreqFactor;
            for (int i = 0; i < f.length; i++) {
                double wavelength = 2 * Math.PI / f[i];
                if (wavelength < highWavelength) continue;
                if (wavelength > lowWavelength) {
                    f[i] = (float) (f[i] / factor);
                } else {
                    double s = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                    f[i] = (float) ((1 - s) * f[i] / factor + s * f[i]);
                }
            }
            return f;
        }
    }

    /** A GGUF's {@code rope_freqs} tensor: plain frequency i divided by divisors[i] (llama.cpp's freq_factors). */
    record Divisors(float[] divisors) implements RopeScaling {
        public Divisors {
            divisors = divisors.clone();
            for (float d : divisors) {
                if (!(d > 0) || Float.isInfinite(d)) throw new IllegalArgumentException("RoPE frequency divisors must be positive and finite, got " + d);
            }
        }

        @Override
        public float[] inverseFrequencies(double theta, int headSize) {
            if (divisors.length != headSize / 2) {
                throw new IllegalArgumentException(divisors.length + " RoPE frequency divisors for head size " + headSize + " (expected " + headSize / 2 + ")");
            }
            float[] f = Rope.plainFrequencies(headSize, theta);
            for (int i = 0; i < f.length; i++) f[i] = f[i] / divisors[i];
            return f;
        }

        /**
         * The llama3 scaling these divisors are, when they are one: Meta's Llama 3.1/3.2/3.3 settings (low 1, high 4,
         * original context 8192) with the largest divisor as the factor, if they give the same divisors within 1e-5
         * relative. GGUF keeps only the table; this is how a GGUF model gets its config.json back.
         */
        public Optional<Llama3> asLlama3(double theta, int headSize) {
            float max = 0;
            for (float d : divisors) max = Math.max(max, d);
            if (max <= 1) return Optional.empty();
            Llama3 candidate = new Llama3(max, 1, 4, 8192);
            float[] plain = Rope.plainFrequencies(headSize, theta);
            float[] scaled = candidate.inverseFrequencies(theta, headSize);
            for (int i = 0; i < divisors.length; i++) {
                double d = plain[i] / (double) scaled[i];
                if (Math.abs(d - divisors[i]) > 1e-5 * divisors[i]) return Optional.empty();
            }
            return Optional.of(candidate);
        }

        @Override
        public float[] divisors() {
            return divisors.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Divisors d && Arrays.equals(divisors, d.divisors);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(divisors);
        }

        @Override
        public String toString() {
            return "Divisors" + Arrays.toString(divisors);
        }
    }
}
