package dev.waygate.guard;

import java.util.List;

/** The findings on a call's arguments, as a fact later stages (approval) can show. */
public record GuardFindings(List<Finding> findings) {
    public GuardFindings {
        findings = List.copyOf(findings);
    }
}
