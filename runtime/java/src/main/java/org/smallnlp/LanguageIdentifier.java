package org.smallnlp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Language identification with a smallnlp .snlp model, as the Python package's
 * LanguageIdentifier: one instance may be shared by any number of threads.
 *
 * <pre>
 * try (LanguageIdentifier lid = LanguageIdentifier.load(Path.of("langid.snlp"))) {
 *     Identification answer = lid.identify("Das ist ein Test");  // de 0.99
 * }
 * </pre>
 */
public final class LanguageIdentifier extends Model {
    private final int maxUnits;

    private LanguageIdentifier(byte[] bytes) {
        super(bytes, 0, bytes.length, "langid");
        // The runtime reads a text's first max_chars code points: at most 2
        // UTF-16 units each, so nothing past them needs encoding.
        maxUnits = 2 * maxChars();
    }

    public static LanguageIdentifier load(byte[] bytes) {
        if (bytes == null) throw new NullPointerException("smallnlp: model bytes are null");
        return new LanguageIdentifier(bytes);
    }

    public static LanguageIdentifier load(ByteBuffer buffer) {
        return load(read(buffer));
    }

    public static LanguageIdentifier load(Path path) throws IOException {
        return load(read(path));
    }

    /** From a stream read to its end (on Android: context.getAssets().open("langid.snlp")). */
    public static LanguageIdentifier load(InputStream stream) throws IOException {
        return load(read(stream));
    }

    /** The language codes the model knows. */
    public List<String> languages() {
        return labels;
    }

    private double[] probabilities(String text, int[] best) {
        if (text == null) throw new NullPointerException("smallnlp: text is null");
        String read = text.length() > maxUnits ? text.substring(0, maxUnits) : text;
        // Lone surrogates are written as '?' by Java's encoder.
        byte[] utf8 = read.getBytes(StandardCharsets.UTF_8);
        double[] probabilities = new double[labels.size()];
        best[0] = call((model, state) ->
                Native.identify(model, state, utf8, utf8.length, probabilities));
        return probabilities;
    }

    /** The language of text, "und" (probability 0) for text without letters. */
    public Identification identify(String text) {
        return identify(text, 0.0);
    }

    /** The same, "und" when the best probability is below threshold. */
    public Identification identify(String text, double threshold) {
        checkThreshold(threshold);
        int[] best = new int[1];
        double[] probabilities = probabilities(text, best);
        if (best[0] >= labels.size()) return new Identification("und", 0.0);
        double probability = probabilities[best[0]];
        return new Identification(probability >= threshold ? labels.get(best[0]) : "und", probability);
    }

    /** The k most likely languages, most likely first (equal ones in label order). */
    public List<Identification> topK(String text, int k) {
        if (k < 1) throw new IllegalArgumentException("smallnlp: k must be positive, not " + k);
        int[] best = new int[1];
        double[] probabilities = probabilities(text, best);
        List<Identification> top = new ArrayList<>();
        if (best[0] >= labels.size()) {
            top.add(new Identification("und", 0.0));
            return top;
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < probabilities.length; i++) order.add(i);
        order.sort(Comparator.comparingDouble((Integer i) -> -probabilities[i]));
        for (int i : order.subList(0, Math.min(k, order.size())))
            top.add(new Identification(labels.get(i), probabilities[i]));
        return top;
    }

    private static void checkThreshold(double threshold) {
        if (!(threshold >= 0 && threshold <= 1))
            throw new IllegalArgumentException("smallnlp: threshold must be in 0..1, not " + threshold);
    }
}
