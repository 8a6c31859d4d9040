import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;

import org.smallnlp.LanguageIdentifier;

/**
 * identify() from Java on the texts (one a line): load time and seconds per
 * call (the fastest of ROUNDS passes, after one pass of warm-up for the JIT).
 * Prints JSON. Run by benchmarks/app_bindings.py:
 *   java IdentifySpeed MODEL.snlp TEXTS.txt ROUNDS
 */
public final class IdentifySpeed {
    public static void main(String[] args) throws Exception {
        byte[] bytes = Files.readAllBytes(Paths.get(args[0]));
        List<String> texts = Files.readAllLines(Paths.get(args[1]));
        int rounds = Integer.parseInt(args[2]);
        long start = System.nanoTime();
        try (LanguageIdentifier lid = LanguageIdentifier.load(bytes)) {
            double load = (System.nanoTime() - start) / 1e6;
            double best = Double.POSITIVE_INFINITY;
            for (int round = 0; round <= rounds; round++) {
                start = System.nanoTime();
                for (String text : texts) lid.identify(text);
                double seconds = (System.nanoTime() - start) / 1e9 / texts.size();
                if (round > 0) best = Math.min(best, seconds);
            }
            System.out.println("{\"load_ms\": " + load + ", \"seconds_per_call\": " + best + "}");
        }
    }
}
