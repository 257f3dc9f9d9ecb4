package dev.waygate.pin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.waygate.mcp.Json;
import dev.waygate.store.Database;
import dev.waygate.store.StoreException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code tool_pins} table. Shared by the gateway and the CLI (which approves while the gateway runs). */
public final class PinStore {
    private static final String COLUMNS = "server, tool, approved_hash, approved_definition, approved_at, approved_by, "
            + "approval_audited, seen_hash, seen_definition, findings, first_seen, changed_at";

    private final Database db;

    public PinStore(Database db) {
        this.db = db;
    }

    public List<Pin> all() {
        return db.with(c -> {
            try (var st = c.prepareStatement("SELECT " + COLUMNS + " FROM tool_pins ORDER BY server, tool");
                 ResultSet rs = st.executeQuery()) {
                List<Pin> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(read(rs));
                }
                return out;
            }
        });
    }

    /** Inserts a pin or replaces the one of the same server and tool. */
    void put(Pin p) {
        db.withStatement("INSERT OR REPLACE INTO tool_pins (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", st -> {
            st.setString(1, p.server());
            st.setString(2, p.tool());
            st.setString(3, p.approvedHash().orElse(null));
            st.setString(4, p.approvedDefinition().orElse(null));
            st.setString(5, p.approvedAt().map(Instant::toString).orElse(null));
            st.setString(6, p.approvedBy());
            st.setInt(7, p.approvalAudited() ? 1 : 0);
            st.setString(8, p.seenHash());
            st.setString(9, p.seenDefinition());
            st.setString(10, Json.write(findings(p.findings())));
            st.setString(11, p.firstSeen().toString());
            st.setString(12, p.changedAt().map(Instant::toString).orElse(null));
            return st.executeUpdate();
        });
    }

    /**
     * Approves the definition last seen, if it is still {@code expectedSeenHash}: an approval never
     * covers a definition the admin did not look at (the upstream may change it meanwhile).
     *
     * @return whether a pin was approved
     */
    public boolean approve(String server, String tool, String expectedSeenHash, String by, Instant at, boolean audited) {
        return db.withStatement("UPDATE tool_pins SET approved_hash = seen_hash, approved_definition = seen_definition, "
                + "approved_at = ?, approved_by = ?, approval_audited = ? WHERE server = ? AND tool = ? AND seen_hash = ?", st -> {
            st.setString(1, at.toString());
            st.setString(2, by);
            st.setInt(3, audited ? 1 : 0);
            st.setString(4, server);
            st.setString(5, tool);
            st.setString(6, expectedSeenHash);
            return st.executeUpdate() == 1;
        });
    }

    void markAudited(String server, String tool) {
        db.withStatement("UPDATE tool_pins SET approval_audited = 1 WHERE server = ? AND tool = ?", st -> {
            st.setString(1, server);
            st.setString(2, tool);
            return st.executeUpdate();
        });
    }

    /** SQLite's {@code data_version}: changes when another connection (the CLI) committed. */
    long dataVersion() {
        return db.dataVersion();
    }

    private static Pin read(ResultSet rs) throws SQLException {
        return new Pin(rs.getString(1), rs.getString(2), Optional.ofNullable(rs.getString(3)), Optional.ofNullable(rs.getString(4)),
                Optional.ofNullable(rs.getString(5)).map(Instant::parse), rs.getString(6), rs.getInt(7) == 1, rs.getString(8),
                rs.getString(9), findings(rs.getString(10)), Instant.parse(rs.getString(11)),
                Optional.ofNullable(rs.getString(12)).map(Instant::parse));
    }

    static ArrayNode findings(List<Finding> findings) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        findings.forEach(f -> a.addObject().put("kind", f.kind()).put("where", f.where()).put("reason", f.reason())
                .put("excerpt", f.excerpt()));
        return a;
    }

    private static List<Finding> findings(String json) {
        List<Finding> out = new ArrayList<>();
        try {
            for (JsonNode f : Json.parse(json)) {
                out.add(new Finding(f.path("kind").asText(), f.path("where").asText(), f.path("reason").asText(),
                        f.path("excerpt").asText()));
            }
        } catch (java.io.IOException e) {
            throw new StoreException("tool_pins: unreadable findings", e);
        }
        return out;
    }
}
