package dev.waygate.mcp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The one JSON mapper of the gateway. Duplicate keys are refused: two parsers must never disagree on a message. */
public final class Json {
    /**
     * Where parsers and generators take their buffers from. Jackson's default pool keeps them per
     * thread, and a call runs on a virtual thread of its own: every parse and write then allocated
     * its buffers afresh (about 10 KiB, a fifth of what a call allocated). This pool is shared by
     * every thread; it holds at most as many buffer sets as were ever in use at once, up to its bound.
     */
    private static final RecyclerPool<BufferRecycler> BUFFERS = JsonRecyclerPools.newBoundedPool(256);

    /**
     * Duplicates are caught where the tree is built ({@code FAIL_ON_READING_DUP_TREE_KEY}), on every
     * object at every depth. The parser's own detector ({@code STRICT_DUPLICATE_DETECTION}) would
     * check the same keys a second time with a set per object: a fifth of what parsing allocated.
     * Every read of this mapper builds a tree ({@code JsonTest} holds the corpus).
     */
    public static final ObjectMapper MAPPER = JsonMapper.builder(factory())
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(256).build());
    }

    private Json() {}

    /** A plain factory (no mapper features) with the shared buffer pool, for hand-written streaming code. */
    public static JsonFactory factory() {
        return JsonFactory.builder().recyclerPool(BUFFERS).build();
    }

    /**
     * A buffer recycler from the shared pool, for a {@code ByteArrayBuilder} whose first block then
     * comes from the pool; give it back with {@code releaseToPool()} once the bytes are copied out.
     */
    public static BufferRecycler recycler() {
        return BUFFERS.acquireAndLinkPooled();
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static JsonNode parse(byte[] bytes) throws JsonProcessingException {
        return parse(bytes, 0, bytes.length);
    }

    /** {@code length} bytes of {@code bytes} from {@code offset}, as {@link #parse(byte[])}. */
    public static JsonNode parse(byte[] bytes, int offset, int length) throws JsonProcessingException {
        try {
            return MAPPER.readTree(bytes, offset, length);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode parse(String text) throws JsonProcessingException {
        return MAPPER.readTree(text);
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
