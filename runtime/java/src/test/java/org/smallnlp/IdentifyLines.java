package org.smallnlp;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;

/** Each line of stdin: its language and probability, tab-separated (tests/test_java.py). */
public final class IdentifyLines {
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, false, "UTF-8");
        try (LanguageIdentifier lid = LanguageIdentifier.load(Paths.get(args[0]));
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                Identification answer = lid.identify(line);
                out.println(answer.language() + "\t" + answer.probability());
            }
        }
        out.flush();
    }
}
