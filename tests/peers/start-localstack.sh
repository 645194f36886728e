#!/usr/bin/env bash
# LocalStack 2026.3.0 (PyPI localstack-core), its own S3 provider only, with
# no account or auth token (started as `python -m localstack.runtime.main`).
#
#   tests/peers/start-localstack.sh [start|stop|install]
#
# Environment: LOCALSTACK_PORT (25004), RUN_DIR (/tmp/coscors-peers),
# COSCORS_CACHE (/var/cache/coscors), PY (a Python >= 3.13; found otherwise).
# The venv is made once (~35 s) under $COSCORS_CACHE, every package pinned by
# tests/peers/constraints-localstack.txt (a `pip freeze` of a working venv:
# it holds the four pins LocalStack needs here, cbor2 < 5.7, pyopenssl < 24.3,
# cryptography < 44 and service-identity, as exact versions). State is in
# memory: every start is empty. Any access key works; the tests use test/test.
set -euo pipefail
PEER=localstack
. "$(dirname "$0")/lib.sh"

LOCALSTACK_VERSION=2026.3.0
PORT=${LOCALSTACK_PORT:-25004}
RUN_DIR=${RUN_DIR:-/tmp/coscors-peers}
LOG=$RUN_DIR/localstack.log
CONSTRAINTS=$PEERS_DIR/constraints-localstack.txt

# A Python >= 3.13: 2026.3.0 uses PEP 695 syntax (3.12) and imports
# warnings.deprecated (3.13; on 3.12.1 the runtime finds no components and
# exits). $PY, then python3.13 on PATH, then pyenv's, then Debian's package.
py_ok() { "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 13))' 2>/dev/null; }
find_python() {
  local c root
  for c in ${PY:-} python3.13 python3; do
    c=$(command -v "$c" 2>/dev/null) || continue
    py_ok "$c" && { echo "$c"; return 0; }
  done
  root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  for c in "$root"/versions/3.1[3-9]*/bin/python3; do
    [ -x "$c" ] && py_ok "$c" && { echo "$c"; return 0; }
  done
  for c in python3.13; do
    if apt-cache policy "$c-venv" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
      say "installing $c-venv (Debian)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$c-venv" >/dev/null
      py_ok "/usr/bin/$c" && { echo "/usr/bin/$c"; return 0; }
    fi
  done
  return 1
}

install_localstack() {
  local py minor
  py=$(find_python) || die "no Python >= 3.13 here (PATH, pyenv, Debian packages); set PY=/path/to/python3.13"
  minor=$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  VENV=$COSCORS_CACHE/localstack-$LOCALSTACK_VERSION-py$minor
  [ -f "$VENV/.coscors-ready" ] && return 0
  rm -rf "$VENV"
  mkdir -p "$COSCORS_CACHE"
  say "making $VENV with $py ($("$py" --version))"
  "$py" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c "$CONSTRAINTS" \
    "localstack-core[base-runtime]==$LOCALSTACK_VERSION" cbor2 pyopenssl cryptography service-identity ||
    die "pip install of localstack-core $LOCALSTACK_VERSION failed"
  touch "$VENV/.coscors-ready"
}

start() {
  install_localstack
  local version
  version=$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("localstack-core"))')
  [ "$version" = "$LOCALSTACK_VERSION" ] || die "localstack-core $version in $VENV, $LOCALSTACK_VERSION pinned"
  mkdir -p "$RUN_DIR"
  refuse_if_running
  local t0=$SECONDS
  # hypercorn: the default (twisted) server ignores the host in
  # GATEWAY_LISTEN and binds 0.0.0.0.
  env GATEWAY_SERVER=hypercorn GATEWAY_LISTEN="127.0.0.1:$PORT" SERVICES=s3 \
    LOCALSTACK_TELEMETRY_DISABLED=1 DISABLE_EVENTS=1 SKIP_SSL_CERT_DOWNLOAD=1 DNS_ADDRESS=0 \
    "$VENV/bin/python" -m localstack.runtime.main >"$LOG" 2>&1 &
  SERVER_PID=$!
  echo "$SERVER_PID" >"$RUN_DIR/localstack.pid"
  wait_http "http://127.0.0.1:$PORT/_localstack/health" 90 || { stop_peer; die "LocalStack did not start"; }
  # S3 itself (ListBuckets, any answer) before calling it ready.
  wait_http "http://127.0.0.1:$PORT/" 60 || { stop_peer; die "LocalStack's S3 did not answer"; }
  say "localstack-core $version (S3) on http://127.0.0.1:$PORT, pid $SERVER_PID, up in $((SECONDS - t0)) s, RSS $(rss_of "$SERVER_PID")"
}

case ${1:-start} in
  start) start ;;
  stop) stop_peer ;;
  install) install_localstack ;;
  *) die "usage: $0 [start|stop|install]" ;;
esac
