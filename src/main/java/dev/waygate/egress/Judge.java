package dev.waygate.egress;

import dev.waygate.auth.Principal;
import dev.waygate.net.AddressClass;
import dev.waygate.net.Resolver;
import dev.waygate.net.SsrfCheck;
import dev.waygate.ratelimit.RateLimit;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Decides one egress request. The one place the rules, SSRF protection and rate limits meet.
 */
public final class Judge {
    static final Set<String> SSRF_REASONS = ssrfReasons();

    private final Supplier<RuleSet> rules;
    private final Resolver resolver;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public Judge(Supplier<RuleSet> rules, Resolver resolver) {
        this.rules = rules;
        this.resolver = resolver;
    }

    /**
     * In order:
     * <ol>
     *   <li>the host is resolved once for the whole decision (a memo), so every rule is checked
     *       against the same addresses and those are the ones dialed: a second lookup could be
     *       answered differently (DNS rebinding);</li>
     *   <li>rules in order: a rule out of scope (principal, roles, domain, port, scheme) is
     *       skipped; one in scope whose request constraints (method, path) and SSRF check
     *       (public addresses, or inside its {@code allow_cidrs}) pass decides; a failing one is
     *       remembered and the next rule is tried;</li>
     *   <li>the deciding rule's rate limit (per rule and principal) is taken last, so a denied
     *       request spends no token; an exhausted bucket denies (429);</li>
     *   <li>no rule passed: the first failure decides — in report mode an allowed request with the
     *       reason recorded, except for SSRF failures, which always deny; otherwise an SSRF failure
     *       of any rule is the reason (the destination is internal: the attack is named), else the
     *       first failure's; with no rule in scope,
     *       {@code no_rule} (denied, or with {@code default: report} allowed if the SSRF check of
     *       public addresses passes).</li>
     * </ol>
     */
    public Decision decide(Principal who, Target t) {
        RuleSet set = rules.get();
        Memo memo = new Memo(resolver);
        SsrfCheck ssrf = new SsrfCheck(memo);
        Decision firstFailure = null;
        Decision firstSsrf = null;
        EgressRule failedRule = null;
        for (EgressRule rule : set.rules()) {
            if (!rule.inScope(who, t)) {
                continue;
            }
            Optional<String> failed = rule.requestConstraint(t);
            SsrfCheck.Verdict v = failed.isEmpty() ? ssrf.check(t.host(), rule.allowCidrs()) : null;
            if (failed.isEmpty() && v.allowed()) {
                return limited(who, rule, new Decision(true, "ok", rule.name(), Optional.empty(), v.addresses(), rule.audit()));
            }
            Decision denial = Decision.deny(failed.isPresent() ? failed.get() : v.reason(), rule.name());
            if (firstFailure == null) {
                firstFailure = denial;
                failedRule = rule;
            }
            if (firstSsrf == null && denial.ssrf()) {
                firstSsrf = denial;
            }
        }
        if (firstFailure != null) {
            if (failedRule.mode() == EgressRule.Mode.REPORT && !firstFailure.ssrf()) {
                SsrfCheck.Verdict v = ssrf.check(t.host(), failedRule.allowCidrs());
                if (!v.allowed()) {
                    return Decision.deny(v.reason(), failedRule.name());
                }
                return limited(who, failedRule, new Decision(true, "ok", failedRule.name(),
                        Optional.of(firstFailure.reason()), v.addresses(), true));
            }
            return firstSsrf != null ? firstSsrf : firstFailure;
        }
        if (set.unmatched() == RuleSet.Unmatched.REPORT) {
            SsrfCheck.Verdict v = ssrf.check(t.host(), List.of());
            return v.allowed() ? new Decision(true, "ok", "", Optional.of("no_rule"), v.addresses(), true)
                    : Decision.deny(v.reason(), "");
        }
        return Decision.deny("no_rule", "");
    }

    private Decision limited(Principal who, EgressRule rule, Decision allowed) {
        if (rule.rateLimit().isEmpty()) {
            return allowed;
        }
        RateLimit l = rule.rateLimit().get();
        Bucket b = buckets.computeIfAbsent(rule.name() + "\n" + l.perMinute() + "/" + l.burst() + "\n" + who.name(),
                k -> Bucket.builder().addLimit(Bandwidth.builder().capacity(l.burst())
                        .refillGreedy(l.perMinute(), Duration.ofMinutes(1)).build()).build());
        if (b.tryConsume(1)) {
            return allowed;
        }
        if (rule.mode() == EgressRule.Mode.REPORT) {
            return new Decision(true, "ok", rule.name(), Optional.of("rate_limited"), allowed.addresses(), true);
        }
        return Decision.deny("rate_limited", rule.name());
    }

    /** One resolution per decision, shared by every rule's SSRF check. */
    private static final class Memo implements Resolver {
        private final Resolver inner;
        private final Map<String, Object> answers = new HashMap<>();

        Memo(Resolver inner) {
            this.inner = inner;
        }

        @Override
        public List<InetAddress> resolve(String host) throws UnknownHostException {
            Object a = answers.get(host);
            if (a == null) {
                try {
                    a = inner.resolve(host);
                } catch (UnknownHostException e) {
                    a = e;
                }
                answers.put(host, a);
            }
            if (a instanceof UnknownHostException e) {
                throw e;
            }
            @SuppressWarnings("unchecked")
            List<InetAddress> list = (List<InetAddress>) a;
            return list;
        }
    }

    private static Set<String> ssrfReasons() {
        Set<String> s = new java.util.HashSet<>(Set.of("obfuscated_ip", "unresolvable"));
        for (AddressClass c : AddressClass.values()) {
            if (c.internal()) {
                s.add(c.code());
            }
        }
        return Set.copyOf(s);
    }
}
