#!/usr/bin/env bash
# Runs the web server in the foreground and the helper services (TRACES simulator, worker) in
# the background while it runs, each under a supervisor that restarts it when it exits, with
# backoff (1 s doubling to 60 s; back to 1 s after a minute of running), and logs why.
# `stop` ends background services left from a previous run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GS="$ROOT/.venv/bin/geoservice"
VAR="$ROOT/var"
PIDS="$VAR/services.pids"
LOGS="$VAR/log"

stop_services() {
  if [ -f "$PIDS" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$PIDS"
    rm -f "$PIDS"
  fi
}

note() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) » $*"; }

# supervise NAME COMMAND...: run COMMAND again whenever it exits, until this loop is told to stop.
supervise() {
  local name=$1; shift
  local log="$LOGS/$name.log" delay=1 child="" started ran status why
  trap '[ -n "$child" ] && kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM INT
  while true; do
    started=$(date +%s)
    "$@" >> "$log" 2>&1 &
    child=$!
    echo "$child" > "$VAR/run/$name.pid"
    status=0; wait "$child" || status=$?
    ran=$(( $(date +%s) - started ))
    if [ "$status" -gt 128 ]; then
      why="killed by signal $(kill -l $((status - 128)) 2>/dev/null || echo $((status - 128)))"
    else
      why="exited with status $status"
    fi
    [ "$ran" -ge 60 ] && delay=1
    note "$name (pid $child) $why after ${ran}s; restarting in ${delay}s" | tee -a "$log" >&2
    sleep "$delay" & wait $! || true
    delay=$(( delay * 2 > 60 ? 60 : delay * 2 ))
  done
}

if [ "${1:-}" = stop ]; then stop_services; exit 0; fi

# Another clone's `make run` (or anything else) on our ports: say so and stop, rather than
# serve nothing, or let this worker talk to the other clone's TRACES simulator.
while read -r host port what; do
  [ -n "$port" ] || continue
  if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
    echo "» port $port on $host is in use (another clone's make run?): set $what to a free" \
         "port, e.g. in .env" >&2
    exit 1
  fi
done < <("$ROOT/.venv/bin/python" -m geoservice.services --ports)

stop_services
mkdir -p "$LOGS" "$VAR/run"
# Prometheus counters of the server processes and the worker, added up by /metrics.
export PROMETHEUS_MULTIPROC_DIR="$VAR/metrics/run"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
: > "$PIDS"
while read -r svc; do
  [ -n "$svc" ] || continue
  name="${svc%% *}"
  # shellcheck disable=SC2086 # the command line is words by design
  supervise "$name" "$GS" $svc &
  echo $! >> "$PIDS"
done < <("$ROOT/.venv/bin/python" -m geoservice.services)
trap stop_services EXIT INT TERM
"$ROOT/.venv/bin/python" -m geoservice.services --banner
exec_status=0
"$GS" serve || exec_status=$?
exit $exec_status
