package dev.waygate.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.waygate.mcp.Json;
import dev.waygate.policy.Risk;
import dev.waygate.store.Database;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/** Approvals in the database (table {@code approvals}): the durable record behind REST, CLI and dashboard. */
final class ApprovalStore {
    private static final String COLUMNS = "id, state, principal, tool, server, rule, risk, arguments, findings, "
            + "approver_roles, required, votes, session_id, created_at, expires_at, reason";

    private final Database db;

    ApprovalStore(Database db) {
        this.db = db;
    }

    void insert(Approval a) {
        db.withStatement("INSERT INTO approvals (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", ps -> {
            ps.setString(1, a.id());
            ps.setString(2, a.state().wire());
            ps.setString(3, a.principal());
            ps.setString(4, a.tool());
            ps.setString(5, a.server());
            ps.setString(6, a.rule());
            ps.setString(7, a.risk().name());
            ps.setString(8, a.arguments().toString());
            ps.setString(9, a.findings().toString());
            ps.setString(10, String.join(",", a.approverRoles()));
            ps.setInt(11, a.required());
            ps.setString(12, votes(a));
            ps.setString(13, a.sessionId());
            ps.setString(14, a.createdAt().toString());
            ps.setString(15, a.expiresAt().toString());
            ps.setString(16, a.reason());
            return ps.executeUpdate();
        });
    }

    /** Writes the new state and votes only if the stored state is still {@code expected} (compare and set). */
    boolean update(Approval a, Approval.State expected) {
        return db.withStatement("UPDATE approvals SET state = ?, votes = ?, reason = ? WHERE id = ? AND state = ?", ps -> {
            ps.setString(1, a.state().wire());
            ps.setString(2, votes(a));
            ps.setString(3, a.reason());
            ps.setString(4, a.id());
            ps.setString(5, expected.wire());
            return ps.executeUpdate() == 1;
        });
    }

    /**
     * Marks an approved approval as used by the call it allowed (its reason becomes {@code redeemed});
     * true only for the first caller. Compare and set, so two retries at two instances cannot both win.
     */
    boolean redeem(String id) {
        return db.withStatement("UPDATE approvals SET reason = 'redeemed' WHERE id = ? AND state = 'approved' AND reason = 'approved'",
                ps -> {
                    ps.setString(1, id);
                    return ps.executeUpdate() == 1;
                });
    }

    Optional<Approval> get(String id) {
        return db.withStatement("SELECT " + COLUMNS + " FROM approvals WHERE id = ?", ps -> {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        });
    }

    /** Pending ones (oldest first), or the most recent {@code limit} of any state (newest first). */
    List<Approval> list(boolean pendingOnly, int limit) {
        String sql = pendingOnly
                ? "SELECT " + COLUMNS + " FROM approvals WHERE state = 'pending' ORDER BY created_at LIMIT ?"
                : "SELECT " + COLUMNS + " FROM approvals ORDER BY created_at DESC LIMIT ?";
        return db.withStatement(sql, ps -> {
            ps.setInt(1, limit);
            List<Approval> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(read(rs));
                }
            }
            return out;
        });
    }

    private static String votes(Approval a) throws SQLException {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        for (Approval.Vote v : a.votes()) {
            arr.addObject().put("approver", v.approver()).put("approve", v.approve()).put("comment", v.comment())
                    .put("at", v.at().toString());
        }
        return arr.toString();
    }

    private static Approval read(ResultSet rs) throws SQLException {
        try {
            List<Approval.Vote> votes = new ArrayList<>();
            for (JsonNode v : Json.parse(rs.getString("votes"))) {
                votes.add(new Approval.Vote(v.path("approver").asText(), v.path("approve").asBoolean(),
                        v.path("comment").asText(""), Instant.parse(v.path("at").asText())));
            }
            JsonNode findings = Json.parse(rs.getString("findings"));
            return new Approval(rs.getString("id"), Approval.State.parse(rs.getString("state")), rs.getString("principal"),
                    rs.getString("tool"), rs.getString("server"), rs.getString("rule"), Risk.valueOf(rs.getString("risk")),
                    Json.parse(rs.getString("arguments")),
                    findings.isArray() ? (ArrayNode) findings : Json.MAPPER.createArrayNode(),
                    new LinkedHashSet<>(Arrays.asList(rs.getString("approver_roles").split(","))), rs.getInt("required"),
                    votes, rs.getString("session_id"), Instant.parse(rs.getString("created_at")),
                    Instant.parse(rs.getString("expires_at")), rs.getString("reason"));
        } catch (IOException e) {
            throw new SQLException("approval row is not valid JSON: " + e.getMessage(), e);
        }
    }
}
