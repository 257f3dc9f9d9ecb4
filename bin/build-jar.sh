# Sourced by bin/waygate and bench/load/lib.sh: builds target/waygate.jar when it is missing or
# older than the sources, one build at a time (flock), under another name then renamed over the
# jar. A gateway already running from the jar keeps the file it opened: the JVM reads classes from
# it lazily, and a jar rewritten in place broke a running gateway (a CONNECT hung).
#   waygate_build_jar ROOT [maven options…]     returns non-zero when the build failed
waygate_jar_stale() {
  local jar="$1/target/waygate.jar"
  [ ! -f "$jar" ] && return 0
  [ -n "$(find "$1/pom.xml" "$1/src/main" -newer "$jar" -print -quit 2>/dev/null)" ]
}

waygate_build_jar() {
  local root=$1; shift
  local jar="$root/target/waygate.jar" next rc=0
  waygate_jar_stale "$root" || return 0
  mkdir -p "$root/target"
  exec 9> "$root/target/.build.lock"   # another builder waits, then finds the jar fresh
  flock 9
  if waygate_jar_stale "$root"; then
    echo "waygate: building $jar (first use or sources changed)…" >&2
    next="$jar.$$.new"
    if ! (cd "$root" && mvn -q -B -Dmaven.test.skip=true -Dwaygate.jar="$next" "$@" package >&2) || ! mv -f "$next" "$jar"; then
      rm -f "$next"
      echo "waygate: build failed (run 'mvn -DskipTests package' in $root to see why)" >&2
      rc=1
    fi
  fi
  exec 9>&-
  return $rc
}
