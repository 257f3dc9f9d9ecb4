# Sourced by bin/waygate and bin/test: sets JAVA_HOME to a JDK of at least 25.
# Order: $WAYGATE_JAVA_HOME, $JAVA_HOME, java on PATH, then /usr/lib/jvm/* and /opt/*jdk*.
waygate_jdk_major() {
  local v
  # The JDK's release file names its version: no JVM start (each one took 0.1-0.5 s before the gateway's own).
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)
  if [ -z "$v" ]; then
    v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    v=${v%%.*}
  fi
  echo "$v"
}
waygate_find_jdk() {
  local c major
  for c in "${WAYGATE_JAVA_HOME:-}" "${JAVA_HOME:-}" \
           "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")" \
           /usr/lib/jvm/* /opt/*jdk* /opt/java/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    major=$(waygate_jdk_major "$c")
    if [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$c"
      return 0
    fi
  done
  echo "waygate: no JDK 25 or newer found (looked at WAYGATE_JAVA_HOME, JAVA_HOME, PATH, /usr/lib/jvm, /opt)." >&2
  echo "waygate: install one, e.g. Temurin 25 (apt install temurin-25-jdk from packages.adoptium.net), or set WAYGATE_JAVA_HOME." >&2
  return 1
}
