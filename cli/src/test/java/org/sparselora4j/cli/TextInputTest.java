package org.sparselora4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Text files given on the command line that are not UTF-8 (a bare MalformedInputException before). */
class TextInputTest {
    @TempDir
    Path tmp;

    @Test
    void aCorpusThatIsNotUtf8IsAOneLineErrorNamingIt() throws IOException {
        Path text = tmp.resolve("corpus.txt");
        Files.write(text, new byte[] {'a', 'b', (byte) 0xFF, 'c'});
        for (String command : new String[] {"pretrain", "make-task"}) {
            CliRun r = CliRun.of(command, "--text", text.toString(), "--out", tmp.resolve(command).toString());
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err().strip()).isEqualTo("sparselora4j " + command + ": " + text + ": not UTF-8 text (invalid byte sequence at byte 2)");
        }
    }
}
