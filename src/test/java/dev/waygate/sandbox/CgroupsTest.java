package dev.waygate.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The cgroup v2 check on sample {@code /proc/self/cgroup} and {@code cgroup.controllers} contents. */
class CgroupsTest {
    /** This machine: cgroup v1 for memory and pids, a v2 hierarchy (hybrid, at /unified) with only hugetlb. */
    static final String HYBRID = """
            9:name=systemd:/
            8:pids:/
            4:memory:/process_api/dae65eb8
            1:cpu:/
            0::/
            """;

    static Cgroups assess(String proc, Map<String, String> files, Set<String> writable) {
        return Cgroups.assess(proc, p -> Optional.ofNullable(files.get(p.toString())), p -> writable.contains(p.toString()));
    }

    @Test
    void aHybridHostWhoseV2HierarchyHasOnlyHugetlbIsNotUsable() {
        Cgroups c = assess(HYBRID, Map.of("/sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n"),
                Set.of("/sys/fs/cgroup/unified/cgroup.subtree_control", "/sys/fs/cgroup/unified/cgroup.procs"));
        assertThat(c.usable()).isFalse();
        assertThat(c.description()).isEqualTo("cgroup v2 at /sys/fs/cgroup/unified offers [hugetlb]: no memory or pids controller; "
                + "prlimit limits apply per process");
    }

    @Test
    void aV1OnlyHostHasNoV2Line() {
        Cgroups c = assess("4:memory:/\n8:pids:/\n", Map.of(), Set.of());
        assertThat(c.usable()).isFalse();
        assertThat(c.description()).startsWith("no cgroup v2 (this host has cgroup v1 only)");
    }

    @Test
    void aV2LineWithoutAMountedHierarchy() {
        assertThat(assess("0::/\n", Map.of(), Set.of()).description()).startsWith("no cgroup v2 hierarchy mounted");
    }

    @Test
    void theControllersOfTheGatewaysOwnCgroupCountNotThoseOfTheRoot() {
        String proc = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/waygate.service\n";
        String own = "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/waygate.service";
        Cgroups c = assess(proc, Map.of("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc",
                own + "/cgroup.controllers", "cpu memory"), Set.of(own + "/cgroup.subtree_control", own + "/cgroup.procs"));
        assertThat(c.usable()).isFalse();
        assertThat(c.description()).isEqualTo("cgroup v2 at " + own + " offers [cpu memory]: no pids controller; prlimit limits apply per process");
    }

    @Test
    void bothControllersButNotDelegatedIsNotUsable() {
        String proc = "0::/system.slice/waygate.service\n";
        String own = "/sys/fs/cgroup/system.slice/waygate.service";
        Cgroups c = assess(proc, Map.of("/sys/fs/cgroup/cgroup.controllers", "memory pids",
                own + "/cgroup.controllers", "memory pids"), Set.of(own + "/cgroup.procs"));
        assertThat(c.usable()).isFalse();
        assertThat(c.description()).contains("is not delegated to the gateway");
    }

    @Test
    void aDelegatedCgroupWithMemoryAndPidsIsUsableButSaysItIsNotUsedYet() {
        String proc = "0::/user.slice/user@1000.service/waygate\n";
        String own = "/sys/fs/cgroup/user.slice/user@1000.service/waygate";
        Cgroups c = assess(proc, Map.of("/sys/fs/cgroup/cgroup.controllers", "cpu memory pids",
                own + "/cgroup.controllers", "cpu memory pids\n"), Set.of(own + "/cgroup.subtree_control", own + "/cgroup.procs"));
        assertThat(c.usable()).isTrue();
        assertThat(c.description()).contains("delegated").contains("not used yet");
    }

    @Test
    void theGatewaysCgroupMustBeVisible() {
        Cgroups c = assess("0::/hidden\n", Map.of("/sys/fs/cgroup/cgroup.controllers", "memory pids"), Set.of());
        assertThat(c.description()).startsWith("the gateway's cgroup " + Path.of("/sys/fs/cgroup/hidden") + " is not visible");
    }

    @Test
    void diagnosticsSayWhichLimitsAreNotAvailableAndWhy() {
        SandboxHost host = SandboxHost.of(Path.of("/usr/bin/bwrap"), Path.of("/usr/bin/prlimit"), Optional.empty(), false);
        assertThat(LimitEnforcement.enforced(host)).containsKeys("memory_mb", "cpu_seconds", "max_processes", "max_open_files",
                "max_file_size_mb");
        assertThat(LimitEnforcement.enforced(host).get("max_processes")).contains("all of them (the gateway is not root)");
        assertThat(LimitEnforcement.unavailable(host)).containsOnlyKeys("memory_total", "processes_total");
        assertThat(LimitEnforcement.unavailable(host).get("memory_total")).contains("needs a delegated cgroup v2");
    }
}
