package org.smallnlp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * What both tasks share: an open model, shared by any number of threads, and
 * a pool of per-thread working states. Calls hold the read lock, close() the
 * write lock: close waits for calls in flight, and calls after it throw.
 */
abstract class Model implements AutoCloseable {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final ConcurrentLinkedQueue<Long> states = new ConcurrentLinkedQueue<>();
    private long handle;
    final List<String> labels;

    Model(byte[] bytes, int offset, int length, String task) {
        handle = Native.open(bytes, offset, length);
        String found = Native.task(handle);
        if (!found.equals(task)) {
            Native.close(handle);
            handle = 0;
            throw new SmallNlpException("this is a " + found + " model, not a " + task + " model");
        }
        labels = Collections.unmodifiableList(Arrays.asList(Native.labels(handle)));
    }

    static byte[] read(Path path) throws IOException {
        return Files.readAllBytes(path);
    }

    /** To its end (InputStream.readAllBytes is Android API 33+). */
    static byte[] read(InputStream stream) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] chunk = new byte[1 << 16];
        for (int n; (n = stream.read(chunk)) > 0; ) bytes.write(chunk, 0, n);
        return bytes.toByteArray();
    }

    static byte[] read(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /** A call on the model: with its handle and a state no other thread uses. */
    interface Call<T> {
        T run(long model, long state);
    }

    <T> T call(Call<T> body) {
        lock.readLock().lock();
        try {
            if (handle == 0) throw new IllegalStateException("smallnlp: the model was closed");
            Long state = states.poll();
            if (state == null) state = Native.newState(handle);
            try {
                return body.run(handle, state);
            } finally {
                states.add(state);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    int maxChars() {
        return call((model, state) -> Native.maxChars(model));
    }

    /** Frees the model and its states; calls after it throw IllegalStateException. Safe twice. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (handle == 0) return;
            for (Long state; (state = states.poll()) != null; ) Native.freeState(state);
            Native.close(handle);
            handle = 0;
        } finally {
            lock.writeLock().unlock();
        }
    }
}
