package dev.waygate.egress;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Method;
import java.nio.channels.SocketChannel;
import java.util.Locale;
import java.util.Optional;

/**
 * Linux's splice(2) and the few calls around it (pipe2, fcntl, poll, shutdown, close), through the
 * Foreign Function &amp; Memory API, so that a tunnel moves bytes socket → pipe → socket without
 * copying them to user space ({@link SplicedTunnel}). {@link #get()} is empty where that cannot
 * work: not Linux on x86-64 or AArch64 (the constants below are theirs), the native calls do not
 * link, or a socket's descriptor cannot be read (the JVM was started without
 * {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED}, which the jar's manifest declares).
 * Every call returns the C result, or {@code -errno} when it failed.
 */
final class LinuxSplice {
    static final int SPLICE_F_MOVE = 1;
    static final int SPLICE_F_NONBLOCK = 2;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final short POLLIN = 0x1;
    static final short POLLOUT = 0x4;
    static final int SHUT_WR = 1;
    static final int SHUT_RDWR = 2;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_CLOEXEC = 0x80000;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int F_SETPIPE_SZ = 1031;

    private static final Optional<LinuxSplice> INSTANCE = load();

    private final StructLayout callState = Linker.Option.captureStateLayout();
    private final VarHandle errno = callState.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private final MethodHandle splice;
    private final MethodHandle pipe2;
    private final MethodHandle fcntl;
    private final MethodHandle poll;
    private final MethodHandle shutdown;
    private final MethodHandle close;
    private final Method fdVal;

    private LinuxSplice(Method fdVal) {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Linker.Option errnoOption = Linker.Option.captureCallState("errno");
        this.fdVal = fdVal;
        splice = linker.downcallHandle(libc.findOrThrow("splice"), FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT), errnoOption);
        pipe2 = linker.downcallHandle(libc.findOrThrow("pipe2"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT), errnoOption);
        fcntl = linker.downcallHandle(libc.findOrThrow("fcntl"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), errnoOption, Linker.Option.firstVariadicArg(2));
        poll = linker.downcallHandle(libc.findOrThrow("poll"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), errnoOption);
        shutdown = linker.downcallHandle(libc.findOrThrow("shutdown"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), errnoOption);
        close = linker.downcallHandle(libc.findOrThrow("close"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT), errnoOption);
    }

    /** The calls, when this platform and JVM allow them (checked once). */
    static Optional<LinuxSplice> get() {
        return INSTANCE;
    }

    private static Optional<LinuxSplice> load() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.equals("linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            return Optional.empty();
        }
        try {
            Method fdVal = Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal");
            LinuxSplice s = new LinuxSplice(fdVal);
            try (SocketChannel probe = SocketChannel.open()) {
                if (s.fd(probe) < 0) {
                    return Optional.empty();
                }
            }
            return Optional.of(s);
        } catch (Throwable e) {
            // not exported to us, no native access, or no such symbol: the Java copy it is
            return Optional.empty();
        }
    }

    /** A socket channel's descriptor, or -1 when it cannot be read. */
    int fd(SocketChannel channel) {
        try {
            return (int) fdVal.invoke(channel);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }

    /** A per-thread scratch area for the calls' errno and poll's argument (a struct pollfd after it). */
    MemorySegment scratch(Arena arena) {
        return arena.allocate(pollOffset() + 8, 8);
    }

    private long pollOffset() {
        return (callState.byteSize() + 7) & ~7L;
    }

    private MemorySegment state(MemorySegment scratch) {
        return scratch.asSlice(0, callState.byteSize());
    }

    private long result(long r, MemorySegment scratch) {
        return r >= 0 ? r : -(int) errno.get(state(scratch), 0L);
    }

    long splice(int in, int out, long len, int flags, MemorySegment scratch) {
        try {
            return result((long) splice.invokeExact(state(scratch), in, MemorySegment.NULL, out, MemorySegment.NULL, len, flags), scratch);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A non-blocking, close-on-exec pipe of up to {@code size} bytes: {read end, write end}.
     * Fails (negative) as the C call does.
     */
    int pipe(int[] ends, int size, MemorySegment scratch, Arena arena) {
        MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
        try {
            int r = (int) result((int) pipe2.invokeExact(state(scratch), fds, O_NONBLOCK | O_CLOEXEC), scratch);
            if (r < 0) {
                return r;
            }
            ends[0] = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
            ends[1] = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
            int ignored = (int) fcntl.invokeExact(state(scratch), ends[1], F_SETPIPE_SZ, size); // a smaller pipe works too
            return 0;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** A close-on-exec duplicate of {@code fd}: one the caller alone closes (a stdio server started later never inherits it). */
    int dup(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment scratch = scratch(arena);
            return (int) result((int) fcntl.invokeExact(state(scratch), fd, F_DUPFD_CLOEXEC, 0), scratch);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits up to {@code millis} for {@code events} on {@code fd}; the events that came, 0 on time-out, or -errno. */
    int poll(int fd, short events, int millis, MemorySegment scratch) {
        MemorySegment pfd = scratch.asSlice(pollOffset(), 8);
        pfd.set(ValueLayout.JAVA_INT, 0, fd);
        pfd.set(ValueLayout.JAVA_SHORT, 4, events);
        pfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
        try {
            int r = (int) result((int) poll.invokeExact(state(scratch), pfd, 1L, millis), scratch);
            return r <= 0 ? r : pfd.get(ValueLayout.JAVA_SHORT, 6);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    int shutdown(int fd, int how) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment scratch = scratch(arena);
            return (int) result((int) shutdown.invokeExact(state(scratch), fd, how), scratch);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    int close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment scratch = scratch(arena);
            return (int) result((int) close.invokeExact(state(scratch), fd), scratch);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
