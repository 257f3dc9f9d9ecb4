package dev.waygate.ratelimit;

/**
 * A token bucket: {@code burst} calls at once, refilled at {@code perMinute} per minute.
 *
 * @param perMinute sustained rate
 * @param burst     bucket capacity
 */
public record RateLimit(int perMinute, int burst) {
    public RateLimit {
        if (perMinute < 1 || burst < 1) {
            throw new IllegalArgumentException("per_minute and burst must be at least 1");
        }
    }
}
