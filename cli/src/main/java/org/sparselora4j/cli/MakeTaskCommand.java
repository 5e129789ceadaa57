package org.sparselora4j.cli;

import org.sparselora4j.lora.data.WhoIsNamedTask;
import org.sparselora4j.models.format.AtomicFile;
import org.sparselora4j.models.format.Json;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code make-task}: generates the embedded who-is-named task (JSONL prompt/completion) from a novel's text. */
final class MakeTaskCommand implements Command {
    @Override
    public String name() {
        return "make-task";
    }

    @Override
    public String summary() {
        return "generate the who-is-named task (long passage, one-name answer) from a text with CHAPTER headings";
    }

    @Override
    public List<Args.Flag> flags() {
        return List.of(
                Args.Flag.value("text", "the novel's text (required)"),
                Args.Flag.value("out", "folder for task-train.jsonl and task-validation.jsonl (required)"),
                Args.Flag.value("validation-every", "every N-th chapter goes to validation (default 7)"),
                Args.Flag.value("min-chars", "shortest passage (default 300)"),
                Args.Flag.value("max-chars", "longest passage (default 700)"),
                Args.Flag.value("per-name-train", "cap per name in training (default 120)"),
                Args.Flag.value("per-name-validation", "cap per name in validation (default 30)"),
                Args.Flag.value("seed", "sampling seed (default 1)"));
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws IOException {
        Path text = args.path("text");
        if (!Files.isRegularFile(text)) throw new IOException("--text " + text + ": no such file");
        Path dir = args.path("out");
        WhoIsNamedTask.Split split = WhoIsNamedTask.generate(org.sparselora4j.models.format.TextFiles.readUtf8(text),
                args.integer("validation-every", 7, 2, 1000), args.integer("min-chars", 300, 1, 1 << 20), args.integer("max-chars", 700, 1, 1 << 20),
                args.integer("per-name-train", 120, 1, 1 << 20), args.integer("per-name-validation", 30, 1, 1 << 20), args.integer("seed", 1, 0, Integer.MAX_VALUE));
        write(dir.resolve("task-train.jsonl"), split.train());
        write(dir.resolve("task-validation.jsonl"), split.validation());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("command", "make-task");
        summary.put("train", split.train().size());
        summary.put("validation", split.validation().size());
        summary.put("out", dir.toString());
        out.println(Json.write(summary));
        return 0;
    }

    private static void write(Path file, List<WhoIsNamedTask.Item> items) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (WhoIsNamedTask.Item item : items) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("prompt", item.prompt());
            line.put("completion", item.completion());
            sb.append(Json.write(line)).append('\n');
        }
        AtomicFile.writeString(file, sb.toString());
    }
}
