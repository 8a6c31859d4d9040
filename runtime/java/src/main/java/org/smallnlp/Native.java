package org.smallnlp;

/**
 * The JNI functions of libsmallnlp_jni (src/main/cpp/smallnlp_jni.c) over the
 * C runtime. A model handle is immutable and shared by threads; a state handle
 * is one thread's working memory for one model.
 */
final class Native {
    static {
        System.loadLibrary("smallnlp_jni");
    }

    private Native() {}

    /** Opens a model from a copy of bytes[offset, offset + length): its handle. */
    static native long open(byte[] bytes, int offset, int length);

    static native void close(long model);

    static native String task(long model);

    static native String[] labels(long model);

    static native int maxChars(long model);

    static native long newState(long model);

    static native void freeState(long state);

    /** Language ID of utf8[0, length): the best label's index (labels.length: "und"). */
    static native int identify(long model, long state, byte[] utf8, int length,
                               double[] probabilities);

    /** Tags the tokens whose UTF-8 bytes lie one after another in utf8, sizes[i] each. */
    static native void tag(long model, long state, byte[] utf8, int[] sizes, int[] tags);
}
