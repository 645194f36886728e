# Shared by tests/peers/start-*.sh (sourced, not run). Each start script
# installs its peer when it is missing (slow things cached under
# $COSCORS_CACHE), starts it bound to 127.0.0.1 only, waits until it answers,
# creates what the tests need, and writes "$RUN_DIR/<peer>.pid".
# `start-X.sh stop` ends the process named in that pid file (by its id only).

COSCORS_CACHE=${COSCORS_CACHE:-/var/cache/coscors}
PEERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { printf '[%s] %s\n' "$PEER" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# wait_http URL SECONDS: until an HTTP answer (any status) comes back.
wait_http() {
  local url=$1 secs=$2 i
  for ((i = 0; i < secs * 4; i++)); do
    if python3 - "$url" <<'PY' 2>/dev/null; then return 0; fi
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass
PY
    if [ -n "${SERVER_PID:-}" ] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
      say "the server (pid $SERVER_PID) exited before answering; its log:"
      tail -n 30 "$LOG" >&2 || true
      return 1
    fi
    sleep 0.25
  done
  say "no answer from $url within $secs s; the log:"
  tail -n 30 "$LOG" >&2 || true
  return 1
}

# refuse_if_running: stop here when this peer's pid file names a live process.
refuse_if_running() {
  local pidfile="$RUN_DIR/$PEER.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    die "already running (pid $(cat "$pidfile")); run '$0 stop' first"
  fi
}

# stop_peer: end the process in the pid file (SIGTERM, then SIGKILL after 10 s).
stop_peer() {
  local pidfile="$RUN_DIR/$PEER.pid" pid i
  [ -f "$pidfile" ] || { say "not running (no $pidfile)"; return 0; }
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  say "stopped (pid $pid)"
}

# rss_of PID: resident memory in MB.
rss_of() { awk '/^VmRSS/ {printf "%d MB", $2 / 1024}' "/proc/$1/status" 2>/dev/null || true; }
