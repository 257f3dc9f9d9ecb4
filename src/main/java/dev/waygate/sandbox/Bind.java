package dev.waygate.sandbox;

import java.nio.file.Path;

/**
 * One host path shown inside the sandbox, at the same place.
 *
 * @param path     absolute, normalised
 * @param writable read-write; otherwise read-only
 * @param why      where it comes from ({@code system}, {@code command}, {@code args}, {@code cwd},
 *                 {@code read_only}, {@code read_write}, {@code workdir}), for {@code waygate sandbox test}
 */
public record Bind(Path path, boolean writable, String why) {}
