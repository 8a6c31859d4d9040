package org.smallnlp;

/** A language and its probability; "und" when there are no letters or it is below the threshold. */
public final class Identification {
    /** A probability at least this high counts as reliable (CLD3's threshold). */
    public static final double RELIABLE_PROBABILITY = 0.7;

    private final String language;
    private final double probability;

    Identification(String language, double probability) {
        this.language = language;
        this.probability = probability;
    }

    /** ISO 639 code, or "und". */
    public String language() {
        return language;
    }

    public double probability() {
        return probability;
    }

    /** A language was named with at least RELIABLE_PROBABILITY. */
    public boolean reliable() {
        return !language.equals("und") && probability >= RELIABLE_PROBABILITY;
    }

    @Override
    public String toString() {
        return language + " " + probability;
    }
}
