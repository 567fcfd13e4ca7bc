#!/usr/bin/env bash
# Runs the web server in the foreground and the helper services (TRACES simulator, worker)
# in the background while it runs; `stop` ends background services left from a previous run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GS="$ROOT/.venv/bin/geoservice"
PIDS="$ROOT/var/services.pids"

stop_services() {
  if [ -f "$PIDS" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$PIDS"
    rm -f "$PIDS"
  fi
}

if [ "${1:-}" = stop ]; then stop_services; exit 0; fi

stop_services
mkdir -p "$ROOT/var/log"
: > "$PIDS"
for svc in $("$ROOT/.venv/bin/python" -m geoservice.services); do
  "$GS" $svc >> "$ROOT/var/log/${svc%% *}.log" 2>&1 &
  echo $! >> "$PIDS"
done
trap stop_services EXIT INT TERM
"$ROOT/.venv/bin/python" -m geoservice.services --banner
exec_status=0
"$GS" serve || exec_status=$?
exit $exec_status
