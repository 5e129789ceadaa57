package org.sparselora4j.cli.fuzz;

import java.util.SplittableRandom;

/** Turns valid input bytes into a variant; {@code log} collects a short description for the failure report. */
interface Mutation {
    byte[] apply(byte[] input, SplittableRandom random, StringBuilder log);
}
