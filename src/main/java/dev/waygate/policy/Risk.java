package dev.waygate.policy;

/** The risk an allowing rule assigns; later stages act on it (the approval gate asks a person for {@code HIGH}). */
public enum Risk { LOW, MEDIUM, HIGH }
