package org.smallnlp;

/** A model file the runtime refused, or a call it could not make; the message says why. */
public class SmallNlpException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SmallNlpException(String message) {
        super(message);
    }
}
