package org.sparselora4j.models.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the text files of the formats (JSON configs, tokenizers, logs) as strict UTF-8: a byte sequence that is not
 * UTF-8 is a {@link ModelFormatException} naming the file and the byte offset, where {@code Files.readString} would
 * throw a {@code MalformedInputException} that names neither.
 */
public final class TextFiles {
    private TextFiles() {
    }

    /** The file's text; a missing file is a {@code NoSuchFileException} as with {@code Files.readString}. */
    public static String readUtf8(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) throw new ModelFormatException(file, "not UTF-8 text (invalid byte sequence at byte " + in.position() + ")");
        decoder.flush(out);
        return out.flip().toString();
    }
}
