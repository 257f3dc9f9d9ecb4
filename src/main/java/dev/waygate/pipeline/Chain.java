package dev.waygate.pipeline;

import com.fasterxml.jackson.databind.JsonNode;

/** The rest of the pipeline, as seen by one stage. */
@FunctionalInterface
public interface Chain {
    JsonNode proceed(Call call);
}
