package org.smallnlp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Part-of-speech tagging with a smallnlp .snlp tagger; one instance may be shared by threads. */
public final class PosTagger extends Model {
    private PosTagger(byte[] bytes) {
        super(bytes, 0, bytes.length, "pos");
    }

    public static PosTagger load(byte[] bytes) {
        if (bytes == null) throw new NullPointerException("smallnlp: model bytes are null");
        return new PosTagger(bytes);
    }

    public static PosTagger load(ByteBuffer buffer) {
        return load(read(buffer));
    }

    public static PosTagger load(Path path) throws IOException {
        return load(read(path));
    }

    public static PosTagger load(InputStream stream) throws IOException {
        return load(read(stream));
    }

    /** The tags the model gives. */
    public List<String> tags() {
        return labels;
    }

    /** One tag per token of one sentence. */
    public String[] tag(String[] tokens) {
        if (tokens == null) throw new NullPointerException("smallnlp: tokens are null");
        byte[][] encoded = new byte[tokens.length][];
        int[] sizes = new int[tokens.length];
        int total = 0;
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == null) throw new NullPointerException("smallnlp: token " + i + " is null");
            encoded[i] = tokens[i].getBytes(StandardCharsets.UTF_8);
            sizes[i] = encoded[i].length;
            total = Math.addExact(total, sizes[i]);
        }
        byte[] utf8 = new byte[total];
        for (int i = 0, at = 0; i < tokens.length; at += sizes[i], i++)
            System.arraycopy(encoded[i], 0, utf8, at, sizes[i]);
        int[] tags = new int[tokens.length];
        call((model, state) -> {
            Native.tag(model, state, utf8, sizes, tags);
            return null;
        });
        String[] names = new String[tokens.length];
        for (int i = 0; i < tags.length; i++) names[i] = labels.get(tags[i]);
        return names;
    }
}
