package dev.waygate.policy;

/** What a rule, or the policy's default, does with a call it matches. */
public enum Effect { ALLOW, DENY }
