#!/usr/bin/env bash
# Lets `geoservice serve --workers N` give each worker process its own listening socket
# (SO_REUSEPORT) without losing the connections queued at a worker that dies or restarts:
# with net.ipv4.tcp_migrate_req=1 (Linux >= 5.14) the kernel moves them to another worker's
# socket. When it is 0 and cannot be set, `geoservice serve` keeps uvicorn's one shared socket.
# This sets the running kernel only; deploy/60-geoservice.conf makes it permanent on a server.
set -uo pipefail
knob=/proc/sys/net/ipv4/tcp_migrate_req
[ -e "$knob" ] || exit 0
[ "$(cat "$knob")" = 1 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo 1 2>/dev/null > "$knob" && exit 0
elif command -v sudo >/dev/null && sudo -n sysctl -qw net.ipv4.tcp_migrate_req=1 2>/dev/null; then
  exit 0
fi
echo "» net.ipv4.tcp_migrate_req is 0 and could not be set: the server processes will share" \
     "one listening socket (README: Processes, connections and PgBouncer)" >&2
exit 0
