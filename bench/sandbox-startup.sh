#!/usr/bin/env bash
# Start-up cost of the sandbox: time from launch to the answer to `initialize`, for the hostile test
# server (plain node, no dependencies) and server-everything, unsandboxed vs. in the same wrapper
# chain the gateway builds (setpriv when root, prlimit, bwrap). Usage: bench/sandbox-startup.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-10}
MODS=$PWD/fixtures/node/node_modules
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}'
WRAP=(prlimit --as=4294967296 --nproc=128 --nofile=1024 --fsize=1073741824 --core=0 --
  bwrap --unshare-all --die-with-parent --new-session --cap-drop ALL --hostname sandbox --ro-bind /usr /usr
  --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/sbin /sbin
  --ro-bind-try /etc/ssl /etc/ssl --ro-bind-try /etc/passwd /etc/passwd --ro-bind-try /etc/group /etc/group
  --proc /proc --dev /dev --tmpfs /tmp --tmpfs /home --dir /home/sandbox --tmpfs /run)
if [ "$(id -u)" = 0 ]; then WRAP=(setpriv --reuid=250000 --regid=250000 --clear-groups --inh-caps=-all "${WRAP[@]}"); fi

one() { # prints milliseconds from launch until the answer to initialize, then ends the process group
  python3 -c '
import os, signal, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
p.stdin.write((sys.argv[1] + "\n").encode()); p.stdin.flush()
p.stdout.readline()
print(round((time.monotonic() - t0) * 1000))
os.killpg(p.pid, signal.SIGKILL)
' "$INIT" "$@"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for name in hostile everything; do
  if [ $name = hostile ]; then script=$PWD/fixtures/node/hostile/server.mjs; bind=$PWD/fixtures/node/hostile; extra=();
  else script=$MODS/@modelcontextprotocol/server-everything/dist/index.js; bind=$MODS; extra=(stdio); fi
  plain=$(for i in $(seq "$RUNS"); do one env -i PATH=/usr/bin:/bin HOME=/tmp node "$script" "${extra[@]}"; done | median)
  boxed=$(for i in $(seq "$RUNS"); do one env -i PATH=/usr/bin:/bin HOME=/home/sandbox "${WRAP[@]}" --ro-bind "$bind" "$bind" --chdir /home/sandbox -- /usr/bin/node "$script" "${extra[@]}"; done | median)
  echo "$name: unsandboxed ${plain} ms, sandboxed ${boxed} ms (median of $RUNS; +$((boxed - plain)) ms)"
done
