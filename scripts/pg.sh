#!/usr/bin/env bash
# Private PostgreSQL/PostGIS cluster under var/pg: start | stop | status | url
# As root the server runs as the `postgres` OS user (PostgreSQL refuses to run as root).
# The cluster listens on a Unix socket in var/pg/run only, so any number of clones run their own
# cluster side by side; GEOSERVICE_PG_TCP=1 also opens 127.0.0.1:GEOSERVICE_PG_PORT (and the URL
# written to var/database_url then uses TCP). The port also names the socket file (.s.PGSQL.PORT).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="$ROOT/var/pg"
DATA="$VAR/data"
RUN="$VAR/run"
LOG="$VAR/server.log"
PORT="${GEOSERVICE_PG_PORT:-54329}"
TCP="${GEOSERVICE_PG_TCP:-0}"
DBNAME="${GEOSERVICE_PG_DB:-geoservice}"
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || dirname "$(command -v pg_ctl)")}"

as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

password() { cat "$VAR/password"; }

tcp_wanted() { case "$TCP" in 1|true|yes|on) return 0 ;; *) return 1 ;; esac; }

url() {
  if tcp_wanted; then
    echo "postgresql+psycopg://geoservice:$(password)@127.0.0.1:$PORT/$DBNAME"
  else
    echo "postgresql+psycopg://geoservice:$(password)@/$DBNAME?host=$RUN&port=$PORT"
  fi
}

# Where and how to listen is decided at every start (command-line options override the file),
# so clusters created before the socket-only default follow it too.
listen_options() {
  local addresses=""
  if tcp_wanted; then addresses="127.0.0.1"; fi
  echo "-c listen_addresses='$addresses' -c port=$PORT -c unix_socket_directories='$RUN'"
}

psql_admin() {
  as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN" -p "$PORT" -U postgres "$@"
}

init() {
  mkdir -p "$VAR" "$RUN"
  if [ ! -s "$VAR/password" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$VAR/password")
  fi
  if [ "$(id -u)" = 0 ]; then
    # postgres must be able to reach the folder; the data itself stays private (0700).
    chown -R postgres:postgres "$VAR"
    chmod 0755 "$VAR" "$RUN"
    chmod 0644 "$VAR/password"
    d="$ROOT"; while [ "$d" != "/" ]; do
      [ -x "$d" ] || chmod o+x "$d" 2>/dev/null || true
      perm=$(stat -c %A "$d"); case "$perm" in ????????x*|?????????x) ;; *) chmod o+x "$d" || true ;; esac
      d=$(dirname "$d")
    done
  fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    echo "» creating a private PostgreSQL cluster in var/pg"
    as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$DATA/postgresql.conf" <<CONF
# geoservice private cluster (listen_addresses, port and the socket folder: see pg.sh start)
listen_addresses = ''
unix_socket_directories = '$RUN'
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 256MB
max_connections = 200
fsync = ${GEOSERVICE_PG_FSYNC:-on}
synchronous_commit = off
jit = off
logging_collector = off
CONF
  fi
}

start() {
  init
  if as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    :
  else
    rm -f "$DATA/postmaster.pid" 2>/dev/null || true
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -o "$(listen_options)" -w -t 60 start >/dev/null
  fi
  if ! psql_admin -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='geoservice'" | grep -q 1; then
    psql_admin -d postgres -c "CREATE ROLE geoservice LOGIN SUPERUSER PASSWORD '$(password)'"
  fi
  if ! psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DBNAME'" | grep -q 1; then
    psql_admin -d postgres -c "CREATE DATABASE \"$DBNAME\" OWNER geoservice"
  fi
  url > "$ROOT/var/database_url"
  if tcp_wanted; then
    echo "» PostgreSQL running on 127.0.0.1:$PORT and in var/pg/run (data in var/pg)"
  else
    echo "» PostgreSQL running on the socket in var/pg/run (data in var/pg; TCP: GEOSERVICE_PG_TCP=1)"
  fi
}

stop() {
  if [ -f "$DATA/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    echo "» PostgreSQL stopped"
  else
    echo "» PostgreSQL was not running"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) as_pg "$PGBIN/pg_ctl" -D "$DATA" status ;;
  url) url ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
