package org.sparselora4j.tornado;

import org.sparselora4j.tensor.Tensor;

/** The shape checks of {@code tensor}'s kernels, with the same messages, for the TornadoVM versions. */
final class Shapes {
    private Shapes() {
    }

    static void equal(String op, String what, int actual, int expected, Tensor... operands) {
        if (actual != expected) {
            throw new IllegalArgumentException(op + ": " + what + " " + actual + " != " + expected + describe(operands));
        }
    }

    /** Output must be rows x cols. */
    static void output(String op, Tensor out, int rows, int cols) {
        if (out.rows() != rows || out.cols() != cols) {
            throw new IllegalArgumentException(op + ": output " + out.shape() + " is not " + rows + "x" + cols);
        }
    }

    private static String describe(Tensor... operands) {
        StringBuilder sb = new StringBuilder(" (shapes");
        for (Tensor t : operands) sb.append(' ').append(t.shape());
        return sb.append(')').toString();
    }
}
