#!/usr/bin/env bash
# Installs the Debian packages the service needs, only those missing (fast when all are there).
# Usage: scripts/system-deps.sh [run|test|bench]   — `test` adds the browser and GIS client
# tools (QGIS's Python bindings: tests/ogc/test_qgis.py); `bench` the peers of bench.gis.
set -euo pipefail

want=(postgresql-15 postgresql-15-postgis-3 gdal-bin nodejs npm python3-venv ca-certificates)
if [ "${1:-run}" = test ]; then
  want+=(chromium fonts-dejavu-core nginx-light)
  want+=(systemd)  # systemd-analyze checks the units in deploy/
  want+=(python3-qgis)
  want+=(faketime)  # libfaketime: workers and servers on a skewed clock (tests/operation)
fi
if [ "${1:-run}" = bench ]; then
  want+=(mapserver-bin spawn-fcgi nginx-light qgis-server time)  # time: peak RSS in bench.layers
  want+=(wrk)  # wrk: bench.load's C load generator (cheaper than the httpx clients)
fi

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
    # python3-venv is not needed when the interpreter on PATH already has venv+ensurepip.
    if [ "$pkg" = python3-venv ] && python3 -c "import venv, ensurepip" 2>/dev/null; then continue; fi
    # nodejs/npm may come from elsewhere (nodesource, nvm): accept working binaries.
    if [ "$pkg" = nodejs ] && command -v node >/dev/null; then continue; fi
    if [ "$pkg" = npm ] && command -v npm >/dev/null; then continue; fi
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "» installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
