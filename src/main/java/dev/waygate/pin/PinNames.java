package dev.waygate.pin;

import dev.waygate.config.GatewayConfig;
import dev.waygate.config.ServerConfig;
import java.util.List;

/** Pins are kept by server and upstream name; people name tools as clients see them ({@code SERVER__TOOL}). */
public final class PinNames {
    private PinNames() {}

    /** The exposed name; for a server no longer configured, {@code server + separator + tool}. */
    public static String exposed(GatewayConfig config, String server, String tool) {
        ServerConfig sc = config.servers().get(server);
        return sc == null ? server + config.separator() + tool : config.exposedName(sc, tool);
    }

    /** The pins clients would know as {@code name} (two only when unprefixed servers clash). */
    public static List<Pin> matching(GatewayConfig config, List<Pin> pins, String name) {
        return pins.stream().filter(p -> exposed(config, p.server(), p.tool()).equals(name)).toList();
    }
}
