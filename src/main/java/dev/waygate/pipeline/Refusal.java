package dev.waygate.pipeline;

/**
 * An exception that is a decision of the gateway (it refused the call), not a failure: the audit
 * log records it as {@code deny} with the decision's reason code.
 */
public interface Refusal {
    Decision decision();
}
