#!/usr/bin/env bash
# Garage 2.5.0 (crates.io), one node, SQLite metadata, S3 API on loopback.
#
#   tests/peers/start-garage.sh [start|stop|build]
#
# Environment: GARAGE_PORT (25003, S3 API), GARAGE_RPC_PORT (25013), RUN_DIR
# (/tmp/coscors-peers), COSCORS_CACHE (/var/cache/coscors), GARAGE_BUCKETS
# (the buckets to create, default "coscors-garage coscors-garage-fuzz").
# The binary is built once with `cargo install --locked garage@2.5.0` (its
# own Cargo.lock; ~19 min on 2 cores) into $COSCORS_CACHE/garage-2.5.0;
# `build` does only that (CI starts it early, in the background). Every start
# begins with empty metadata and data folders of its own.
#
# Region `garage`. Buckets are made with the CLI, which gives them a GLOBAL
# alias: a bucket made by S3 CreateBucket gets only a per-key alias, and
# anonymous preflights then take Garage's unknown-bucket path (200 with
# Access-Control-Allow-Origin/Methods/Headers: *), which tests nothing.
# Credentials: GK0123456789abcdef01234567 /
# 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.
set -euo pipefail
PEER=garage
. "$(dirname "$0")/lib.sh"

GARAGE_VERSION=2.5.0
GARAGE_ROOT=$COSCORS_CACHE/garage-$GARAGE_VERSION
GARAGE=$GARAGE_ROOT/bin/garage
PORT=${GARAGE_PORT:-25003}
RPC_PORT=${GARAGE_RPC_PORT:-25013}
RUN_DIR=${RUN_DIR:-/tmp/coscors-peers}
LOG=$RUN_DIR/garage.log
BUCKETS=${GARAGE_BUCKETS:-coscors-garage coscors-garage-fuzz}
KEY_ID=GK0123456789abcdef01234567
KEY_SECRET=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

build() {
  if [ -x "$GARAGE" ]; then
    return 0
  fi
  mkdir -p "$COSCORS_CACHE"
  local buildlog=$COSCORS_CACHE/garage-build.log
  say "building garage $GARAGE_VERSION (cargo install --locked; ~19 min on 2 cores; log: $buildlog)"
  if cargo install --locked "garage@$GARAGE_VERSION" --root "$GARAGE_ROOT" >"$buildlog" 2>&1; then
    echo "rc=0" >>"$buildlog"
  else
    echo "rc=$?" >>"$buildlog"
    tail -n 20 "$buildlog" >&2
    die "cargo install garage@$GARAGE_VERSION failed"
  fi
}

start() {
  build
  local version
  version=$("$GARAGE" --version 2>/dev/null | head -n 1 || true)
  case $version in
    *"v$GARAGE_VERSION "* | *" $GARAGE_VERSION "* | *":$GARAGE_VERSION "*) ;;
    *) die "$GARAGE says '$version', $GARAGE_VERSION pinned" ;;
  esac
  mkdir -p "$RUN_DIR"
  refuse_if_running
  local dir=$RUN_DIR/garage-$PORT
  rm -rf "$dir"
  mkdir -p "$dir"
  cat >"$dir/garage.toml" <<EOF
metadata_dir = "$dir/meta"
data_dir = "$dir/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$RPC_PORT"
rpc_public_addr = "127.0.0.1:$RPC_PORT"
rpc_secret = "$(python3 -c 'import secrets; print(secrets.token_hex(32))')"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$PORT"
root_domain = ".s3.garage.localhost"
EOF
  local g=("$GARAGE" -c "$dir/garage.toml") t0=$SECONDS i node
  "${g[@]}" server >"$LOG" 2>&1 &
  SERVER_PID=$!
  echo "$SERVER_PID" >"$RUN_DIR/garage.pid"
  for ((i = 0; i < 120; i++)); do
    "${g[@]}" status >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 30 "$LOG" >&2; rm -f "$RUN_DIR/garage.pid"; die "garage exited"; }
    sleep 0.25
  done
  node=$("${g[@]}" node id -q | cut -d@ -f1)
  {
    "${g[@]}" layout assign -z dc1 -c 1G "$node"
    "${g[@]}" layout apply --version 1
    "${g[@]}" key import --yes -n tester "$KEY_ID" "$KEY_SECRET"
    "${g[@]}" key allow --create-bucket tester
    for b in $BUCKETS; do
      "${g[@]}" bucket create "$b"
      "${g[@]}" bucket allow --read --write --owner "$b" --key tester
    done
  } >>"$RUN_DIR/garage-admin.log" 2>&1 || { stop_peer; die "garage setup failed (see $RUN_DIR/garage-admin.log)"; }
  wait_http "http://127.0.0.1:$PORT/" 30 || { stop_peer; die "garage's S3 API did not answer"; }
  say "garage $GARAGE_VERSION on http://127.0.0.1:$PORT (region garage), buckets: $BUCKETS, pid $SERVER_PID, up in $((SECONDS - t0)) s, RSS $(rss_of "$SERVER_PID")"
}

case ${1:-start} in
  start) start ;;
  stop) stop_peer ;;
  build) build ;;
  *) die "usage: $0 [start|stop|build]" ;;
esac
