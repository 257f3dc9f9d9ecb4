# Sourced by bench/load/run and bench/load/scale: JDK, the gateway jar, the peers, ports, and
# starting/stopping the processes under test (each in its own process group, stopped by its id).
load_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench_dir="$(cd "$load_dir/.." && pwd)"
root="$(cd "$bench_dir/.." && pwd)"
. "$root/bin/find-jdk.sh"
waygate_find_jdk || exit 1
java="$JAVA_HOME/bin/java"
jar="$root/target/waygate.jar"
echo_js="$load_dir/echo.mjs"
pgids=()

say() { echo "bench/load: $*" >&2; }

# Built as bin/waygate builds it (bin/build-jar.sh): never rewritten in place under a running gateway.
build_gateway() {
  . "$root/bin/build-jar.sh"
  # shellcheck disable=SC2086
  waygate_build_jar "$root" ${WAYGATE_MAVEN_OPTS:-}
}

# The load generator, compiled once per change (the source launcher would recompile every run).
build_harness() {
  local out="$load_dir/target/classes"
  if [ ! -f "$out/Load.class" ] || [ -n "$(find "$load_dir" -maxdepth 1 -name '*.java' -newer "$out/Load.class" -print -quit)" ]; then
    rm -rf "$out" && mkdir -p "$out"
    "$JAVA_HOME/bin/javac" -d "$out" "$load_dir"/*.java
  fi
}
harness() { "$java" -cp "$load_dir/target/classes" Load "$@"; }

# npm ci of the pinned peers when the lockfile changed since the last install.
install_peers() {
  local nm="$bench_dir/node/node_modules"
  if [ ! -f "$nm/.bench-installed" ] || [ "$bench_dir/node/package-lock.json" -nt "$nm/.bench-installed" ]; then
    say "npm ci in bench/node (mcp-proxy, supergateway)"
    (cd "$bench_dir/node" && npm ci --no-audit --no-fund --loglevel=error >&2)
    touch "$nm/.bench-installed"
  fi
}

# A free loopback port at or after $1.
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

# start LOGFILE COMMAND...: in its own session, so that it and its children can be stopped
# together; sets $started to its pid (not printed: a $(...) subshell would lose the bookkeeping).
start() {
  local log=$1; shift
  setsid "$@" >"$log" 2>&1 < /dev/null &
  started=$!
  pgids+=("$started")
}

# The pids of a process and all its descendants (some peers start children in their own groups).
descendants() {
  local p c
  for p in "$@"; do
    echo "$p"
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do descendants "$c"; done
  done
}

stop_all() {
  local g p all
  [ ${#pgids[@]} -gt 0 ] || return 0
  all=$(descendants "${pgids[@]}")
  for g in "${pgids[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
  for p in $all; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 50); do
    local alive=
    for p in $all; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for p in $all; do kill -KILL "$p" 2>/dev/null || true; done
  pgids=()
}

# wait_http URL [STATUS] [SECONDS]: until the URL answers with that status (default: any answer).
wait_http() {
  local url=$1 want=${2:-any} secs=${3:-60} code
  for _ in $(seq $((secs * 20))); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)
    if [ "$want" = any ] && [ -n "$code" ] && [ "$code" != 000 ]; then return 0; fi
    [ "$code" = "$want" ] && return 0
    sleep 0.05
  done
  say "$url did not answer ${want} within ${secs}s"
  return 1
}

# write_config DIR PORT: the documented default configuration with every stage on: API keys,
# default-deny policy with one rule allowing the echo tool to the bench principal, global rate limits
# set far above the load, durable audit (the default: a call is answered once its entry is fsynced).
write_config() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  cat > "$dir/waygate.yaml" <<YAML
version: 1
listen: 127.0.0.1:$port
data_dir: ./data
watch_config: false
servers:
  echo:
    command: node
    args: ["$echo_js"]
policy:
  default: deny
  rules:
    - { name: bench-echo, principals: [bench], tools: ["echo__echo"], effect: allow,
        rate_limit: { per_minute: 600000000, burst: 10000000 } }
rate_limits:
  per_principal: { per_minute: 600000000, burst: 10000000 }
  per_tool: { per_minute: 600000000, burst: 10000000 }
audit:
  mode: durable
YAML
}

# start_gateway NAME PORT JAR [JVM options…]: the default configuration in $work/NAME (write_config),
# a key, the gateway started from JAR (log $work/NAME.log) and ready; sets gateway_pid, gateway_key.
start_gateway() {
  local name=$1 port=$2 j=$3; shift 3
  write_config "$work/$name" "$port"
  gateway_key=$(create_key "$work/$name")
  start "$work/$name.log" "$java" --enable-native-access=ALL-UNNAMED "$@" -jar "$j" serve --config "$work/$name/waygate.yaml"
  gateway_pid=$started
  wait_http "http://127.0.0.1:$port/ready" 200 || { tail -20 "$work/$name.log" >&2; return 1; }
}

# create_key DIR: a key for the principal "bench" (printed on stdout).
create_key() {
  "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" keys create bench --config "$1/waygate.yaml" 2>/dev/null
}
