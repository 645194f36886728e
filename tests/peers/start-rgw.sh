#!/usr/bin/env bash
# Ceph RGW 18.2.7 (Debian trixie's radosgw) on its SQLite "dbstore" backend:
# one process, no mon or OSD, in a trixie chroot made with debootstrap (the
# trixie binary needs glibc >= 2.38; bookworm has 2.36). As root.
#
#   tests/peers/start-rgw.sh [start|stop|install]
#
# Environment: RGW_PORT (25002), RUN_DIR (/tmp/coscors-peers), COSCORS_CACHE
# (/var/cache/coscors). The chroot is made once (~1.5 min, ~550 MB) under
# $COSCORS_CACHE/rgw-18.2.7-trixie; every start begins with empty dbstore
# files of its own (per port), creates the user below, and needs nothing else:
# buckets are made through S3 (CreateBucket works on RGW).
# Credentials: AKIATESTRGW000000001 / rgwsecretrgwsecretrgwsecretrgwsecret0001.
set -euo pipefail
PEER=rgw
. "$(dirname "$0")/lib.sh"

# The pin: upstream Ceph 18.2.7 as Debian trixie ships it. The Debian
# revision seen when this was written is RGW_DEB_SEEN; a later revision of
# the same upstream (a Debian security or point update) is accepted and
# printed; another upstream version is refused.
RGW_UPSTREAM=18.2.7
RGW_DEB_SEEN=18.2.7+ds-1+deb13u1
ROOT=$COSCORS_CACHE/rgw-$RGW_UPSTREAM-trixie
PORT=${RGW_PORT:-25002}
RUN_DIR=${RUN_DIR:-/tmp/coscors-peers}
LOG=$RUN_DIR/rgw.log
ACCESS=AKIATESTRGW000000001
SECRET=rgwsecretrgwsecretrgwsecretrgwsecret0001

install_rgw() {
  [ -f "$ROOT/.coscors-ready" ] && return 0
  command -v debootstrap >/dev/null || {
    say "installing debootstrap (Debian)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  }
  local tmp=$ROOT.partial
  rm -rf "$tmp"
  mkdir -p "$COSCORS_CACHE"
  say "debootstrap trixie with radosgw into $tmp (log: $COSCORS_CACHE/rgw-debootstrap.log)"
  debootstrap --variant=minbase --include=radosgw trixie "$tmp" \
    >"$COSCORS_CACHE/rgw-debootstrap.log" 2>&1 ||
    { tail -n 20 "$COSCORS_CACHE/rgw-debootstrap.log" >&2; die "debootstrap failed"; }
  touch "$tmp/.coscors-ready"
  mv "$tmp" "$ROOT"
}

check_version() {
  local v
  v=$(chroot "$ROOT" dpkg-query -W -f '${Version}' radosgw) || die "no radosgw package in $ROOT"
  case $v in
    "$RGW_UPSTREAM"+*) ;;
    *) die "radosgw $v in $ROOT, but $RGW_UPSTREAM is pinned (remove $ROOT to bootstrap again)" ;;
  esac
  [ "$v" = "$RGW_DEB_SEEN" ] || say "note: Debian revision $v (recorded with $RGW_DEB_SEEN)"
  echo "$v"
}

start() {
  [ "$(id -u)" = 0 ] || die "needs root (chroot)"
  install_rgw
  local version
  version=$(check_version)
  mkdir -p "$RUN_DIR"
  refuse_if_running
  # State of this port's server only, inside the chroot, empty at each start.
  local state=/var/lib/coscors-rgw-$PORT conf=/etc/ceph/coscors-$PORT.conf
  rm -rf "${ROOT:?}$state"
  mkdir -p "$ROOT$state" "$ROOT/etc/ceph"
  cat >"$ROOT$conf" <<EOF
[client]
rgw backend store = dbstore
rgw config store = dbstore
dbstore db dir = $state
dbstore config uri = file:$state/dbstore-config.db
rgw frontends = beast endpoint=127.0.0.1:$PORT
admin socket = $state/\$name.asok
log file = $state/\$name.log
EOF
  local t0=$SECONDS
  # chroot execs radosgw: this pid is radosgw's own.
  chroot "$ROOT" radosgw -d --no-mon-config -c "$conf" -n client.rgw.x >"$LOG" 2>&1 &
  SERVER_PID=$!
  echo "$SERVER_PID" >"$RUN_DIR/rgw.pid"
  wait_http "http://127.0.0.1:$PORT/" 60 || { stop_peer; die "radosgw did not start"; }
  chroot "$ROOT" radosgw-admin --no-mon-config -c "$conf" -n client.rgw.x user create \
    --uid=tester --display-name=Tester --access-key="$ACCESS" --secret-key="$SECRET" \
    >>"$RUN_DIR/rgw-admin.log" 2>&1 || { stop_peer; die "radosgw-admin user create failed (see $RUN_DIR/rgw-admin.log)"; }
  say "radosgw $version (dbstore) on http://127.0.0.1:$PORT, pid $SERVER_PID, up in $((SECONDS - t0)) s, RSS $(rss_of "$SERVER_PID")"
}

# Stop by the pid file, then drop this port's state and configuration.
stop() {
  stop_peer
  rm -rf "${ROOT:?}/var/lib/coscors-rgw-$PORT" "$ROOT/etc/ceph/coscors-$PORT.conf"
}

case ${1:-start} in
  start) start ;;
  stop) stop ;;
  install) install_rgw; check_version >/dev/null ;;
  *) die "usage: $0 [start|stop|install]" ;;
esac
