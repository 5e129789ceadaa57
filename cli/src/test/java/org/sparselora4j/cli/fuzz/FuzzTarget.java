package org.sparselora4j.cli.fuzz;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One parser under fuzzing. Adding a parser to the suite is one of these in {@link Targets}: the seed (valid
 * files written into a folder), which of them each case mutates and how, the call that parses the folder, and the
 * exception type the parser documents for bad input.
 *
 * @param name       shown in reports and used to replay a case ({@code -Dfuzz.target=NAME})
 * @param seed       writes the valid input files into an empty folder
 * @param mutated    the file (relative to the folder) that each case replaces by a mutation of its seed bytes
 * @param mutations  the mutations to draw from; each case stacks one to three of them
 * @param call       parses the folder; its allocation is what the allocation limit bounds
 * @param use        uses the result a little, as a caller would (time limit and exception rules apply, not the
 *                   allocation limit: encoding text with a tokenizer may legitimately grow with what the file says)
 * @param documented the parser's exceptions for bad input; a case that throws one must name the file in one line
 */
record FuzzTarget(String name, Seed seed, String mutated, List<Mutation> mutations, Call call, Use use,
                  List<Class<? extends Exception>> documented) {
    /** A target with one documented exception. */
    FuzzTarget(String name, Seed seed, String mutated, List<Mutation> mutations, Call call, Use use, Class<? extends Exception> documented) {
        this(name, seed, mutated, mutations, call, use, List.of(documented));
    }

    /** A target whose result needs no use beyond parsing. */
    FuzzTarget(String name, Seed seed, String mutated, List<Mutation> mutations, Call call, Class<? extends Exception> documented) {
        this(name, seed, mutated, mutations, call, parsed -> {
        }, List.of(documented));
    }

    /** Writes the valid input files. */
    interface Seed {
        void write(Path dir) throws IOException;
    }

    /** Parses the input in {@code dir}. */
    interface Call {
        Object parse(Path dir) throws Exception;
    }

    /** Uses what {@link Call} returned. */
    interface Use {
        void use(Object parsed) throws Exception;
    }
}
