package org.smallnlp;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The JVM binding's checks, without a test framework so that a JDK alone runs
 * them: `java org.smallnlp.BindingTest MODELS_DIR [TEXTS]` (TEXTS: lines the
 * threads check identifies); a failed check prints its name and exits nonzero.
 */
public final class BindingTest {
    private static int passed;

    interface Body {
        void run() throws Exception;
    }

    static void check(boolean condition, String what) {
        if (!condition) throw new AssertionError(what);
    }

    static void throwsA(Class<? extends Throwable> type, String message, Body body) {
        try {
            body.run();
        } catch (Throwable error) {
            check(type.isInstance(error), "expected " + type.getSimpleName() + ", got " + error);
            check(message == null || String.valueOf(error.getMessage()).contains(message),
                  "message: " + error.getMessage());
            return;
        }
        throw new AssertionError("expected " + type.getSimpleName() + ", nothing thrown");
    }

    static void test(String name, Body body) throws Exception {
        try {
            body.run();
        } catch (Throwable error) {
            System.out.println("FAILED: " + name + ": " + error);
            throw error;
        }
        passed++;
        System.out.println("ok: " + name);
    }

    public static void main(String[] args) throws Exception {
        Path models = Paths.get(args[0]);
        byte[] langidBytes = Files.readAllBytes(models.resolve("langid.snlp"));
        byte[] posBytes = Files.readAllBytes(models.resolve("pos-en.snlp"));
        LanguageIdentifier lid = LanguageIdentifier.load(models.resolve("langid.snlp"));
        PosTagger tagger = PosTagger.load(posBytes);

        test("identify", () -> {
            Identification german = lid.identify("Das ist ein kleiner Test");
            check(german.language().equals("de") && german.reliable(), "de: " + german);
            check(lid.identify("Ceci n'est pas une pipe").language().equals("fr"), "fr");
            check(lid.identify("").language().equals("und") && lid.identify("").probability() == 0, "empty");
            check(lid.identify("1234 !?").language().equals("und"), "no letters");
            Identification unsure = lid.identify("Das ist ein kleiner Test", 1.0);
            check(unsure.language().equals("und") && !unsure.reliable()
                  && unsure.probability() == german.probability(), "threshold");
            throwsA(IllegalArgumentException.class, "threshold", () -> lid.identify("x", 2.0));
            throwsA(IllegalArgumentException.class, "threshold", () -> lid.identify("x", Double.NaN));
        });
        test("topK", () -> {
            List<Identification> top = lid.topK("Das ist ein kleiner Test", 3);
            check(top.size() == 3 && top.get(0).language().equals("de"), "top: " + top);
            check(top.get(0).probability() >= top.get(1).probability()
                  && top.get(1).probability() >= top.get(2).probability(), "order");
            check(lid.topK("x y z", 1000).size() == lid.languages().size(), "all");
            check(lid.topK("!!!", 3).get(0).language().equals("und"), "und");
            throwsA(IllegalArgumentException.class, "k must be positive", () -> lid.topK("x", 0));
        });
        test("tag", () -> {
            String[] tags = tagger.tag(new String[] {"The", "cat", "sat", "on", "the", "mat", "."});
            check(Arrays.equals(tags, new String[] {"DET", "NOUN", "VERB", "ADP", "DET", "NOUN", "PUNCT"}),
                  Arrays.toString(tags));
            check(tagger.tag(new String[0]).length == 0, "empty sentence");
            String[] tokens = new String[10_000];
            Arrays.fill(tokens, "dog");
            check(tagger.tag(tokens).length == tokens.length, "10k tokens");
            check(tagger.tags().contains("NOUN"), "tags");
        });
        test("loading from bytes, a ByteBuffer and a stream", () -> {
            try (LanguageIdentifier a = LanguageIdentifier.load(langidBytes);
                 LanguageIdentifier b = LanguageIdentifier.load(ByteBuffer.wrap(langidBytes));
                 LanguageIdentifier c = LanguageIdentifier.load(new ByteArrayInputStream(langidBytes))) {
                for (LanguageIdentifier model : new LanguageIdentifier[] {a, b, c})
                    check(model.identify("Das ist ein kleiner Test").language().equals("de"), "loaded");
            }
        });
        test("bad input: an exception or a documented result, never a crash", () -> {
            throwsA(NullPointerException.class, "text is null", () -> lid.identify(null));
            throwsA(NullPointerException.class, "tokens are null", () -> tagger.tag(null));
            throwsA(NullPointerException.class, "token 1 is null", () -> tagger.tag(new String[] {"a", null}));
            check(lid.identify("\uD800Das ist ein kleiner Test\uDFFF").language().equals("de"), "lone surrogates");
            StringBuilder huge = new StringBuilder();
            while (huge.length() < 10_000_000) huge.append("Das ist ein kleiner Test. ");
            check(lid.identify(huge.toString()).language().equals("de"), "10 MB");
            check(tagger.tag(new String[] {"", "\uD83D", "😀"}).length == 3, "odd tokens");
        });
        test("a bad model file throws with the runtime's reason", () -> {
            throwsA(SmallNlpException.class, "not a usable model file: ",
                    () -> LanguageIdentifier.load(Arrays.copyOf(langidBytes, 1000)));
            throwsA(SmallNlpException.class, "not a usable model file: ", () -> LanguageIdentifier.load(new byte[0]));
            throwsA(SmallNlpException.class, "not a usable model file: ",
                    () -> PosTagger.load("{\"not\": \"a model\"}".getBytes("UTF-8")));
            throwsA(SmallNlpException.class, "this is a pos model, not a langid model",
                    () -> LanguageIdentifier.load(posBytes));
            throwsA(SmallNlpException.class, "this is a langid model, not a pos model",
                    () -> PosTagger.load(langidBytes));
            throwsA(NullPointerException.class, "model bytes are null", () -> LanguageIdentifier.load((byte[]) null));
            throwsA(java.nio.file.NoSuchFileException.class, null,
                    () -> LanguageIdentifier.load(models.resolve("no-such-model.snlp")));
        });
        test("close twice is safe; calls after it throw", () -> {
            LanguageIdentifier model = LanguageIdentifier.load(langidBytes);
            model.identify("warm up a state");
            model.close();
            model.close();
            throwsA(IllegalStateException.class, "closed", () -> model.identify("x"));
        });
        test("8 threads sharing one model answer as one thread", () -> {
            List<String> texts = new ArrayList<>();
            if (args.length > 1) texts.addAll(Files.readAllLines(Paths.get(args[1])));
            else texts.addAll(Arrays.asList("Das ist ein kleiner Test", "Ceci n'est pas une pipe",
                                            "Это небольшой тест", "これは小さなテストです", ""));
            List<String> expected = new ArrayList<>();
            for (String text : texts) expected.add(lid.identify(text).toString());
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<List<String>>> runs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                final int shift = t;
                runs.add(pool.submit(() -> {
                    List<String> answers = new ArrayList<>(Collections.nCopies(texts.size(), ""));
                    for (int round = 0; round < 5; round++)
                        for (int i = 0; i < texts.size(); i++) {
                            int k = (i + shift * 7) % texts.size(); // threads in different orders
                            answers.set(k, lid.identify(texts.get(k)).toString());
                        }
                    return answers;
                }));
            }
            for (Future<List<String>> run : runs) check(run.get().equals(expected), "a thread answered otherwise");
            pool.shutdown();
        });
        lid.close();
        tagger.close();
        System.out.println("all " + passed + " JVM binding checks passed");
    }
}
