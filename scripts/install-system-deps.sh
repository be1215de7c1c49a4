#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the app needs (PostgreSQL + PostGIS [+ pgRouting]) and,
# with --test, Chromium for the browser tests; with --ha, pg_auto_failover (make ha-demo / ha-test).
# Skips what is already there. Uses sudo when not root.
set -euo pipefail
want_test=0
want_ha=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    --ha) want_ha=1 ;;
  esac
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
updated=0
apt_install() {
  local missing=()
  for p in "$@"; do have "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $updated -eq 0 ]; then $SUDO apt-get update -qq; updated=1; fi
  echo "installing: ${missing[*]}"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

command -v apt-get >/dev/null || { echo "error: apt-get not found (this script supports Debian/Ubuntu)"; exit 1; }

# PostgreSQL server first, then PostGIS for the version it brought.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt_install postgresql
fi
pgver=$(ls -d /usr/lib/postgresql/*/bin/initdb | sed -E 's#.*/postgresql/([0-9]+)/bin/initdb#\1#' | sort -n | tail -1)
apt_install "postgresql-${pgver}-postgis-3" "postgresql-${pgver}-pgrouting"

# python3 -m venv needs python3-venv on Debian's own Python.
if ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
  apt_install python3-venv
fi

if [ $want_ha -eq 1 ]; then
  apt_install "postgresql-${pgver}-auto-failover"
fi

if [ $want_test -eq 1 ]; then
  apt_install chromium chromium-driver fonts-liberation
fi
