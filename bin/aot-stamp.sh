# Sourced by bin/waygate and bin/aot-cache. An AOT cache holds only for the jar and the JDK that made it
# (else the JVM prints errors and starts without it): this names both, and the cache's stamp file holds it.
waygate_aot_stamp() {
  echo "jar $(stat -c '%s %Y' "$1") jdk $JAVA_HOME $(sed -n 's/^JAVA_RUNTIME_VERSION=//p' "$JAVA_HOME/release" 2>/dev/null)"
}
