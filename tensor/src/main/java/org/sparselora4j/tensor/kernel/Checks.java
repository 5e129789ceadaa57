package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.Tensor;

/** Shape checks shared by the kernels; each message names the operands and their shapes. */
public final class Checks {
    private Checks() {
    }

    public static void equal(String op, String what, int actual, int expected, Tensor... operands) {
        if (actual != expected) {
            throw new IllegalArgumentException(op + ": " + what + " " + actual + " != " + expected + describe(operands));
        }
    }

    public static void sameSize(String op, Tensor a, Tensor b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException(op + ": sizes differ" + describe(a, b));
        }
    }

    /** Output must be rows x cols. */
    public static void output(String op, Tensor out, int rows, int cols) {
        if (out.rows() != rows || out.cols() != cols) {
            throw new IllegalArgumentException(op + ": output " + out.shape() + " is not " + rows + "x" + cols);
        }
    }

    public static String describe(Tensor... operands) {
        StringBuilder sb = new StringBuilder(" (shapes");
        for (Tensor t : operands) sb.append(' ').append(t.shape());
        return sb.append(')').toString();
    }
}
