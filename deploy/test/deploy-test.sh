#!/usr/bin/env bash
# `make deploy-test`: runs deploy/test/deploy_test.py with the project's virtualenv. The
# driver stops every process it started by pid; this trap is the safety net if the driver
# itself is killed (it stops only the pids the driver recorded in its run folder).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}

command -v openssl >/dev/null || { echo "deploy-test: openssl is missing"; exit 1; }
[[ -x ${NGINX:-/usr/sbin/nginx} ]] || { echo "deploy-test: nginx is missing (apt-get install nginx)"; exit 1; }
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "deploy-test: PostgreSQL is not running on 127.0.0.1:5432"; exit 1; }

export TMPDIR=${TMPDIR:-/tmp}
marker=$(mktemp -d "$TMPDIR/waypoint-deploy-test-trap.XXXXXX")
cleanup() {
  # The driver's run folders created after the marker; each lists its own children's pids.
  for pids in "$TMPDIR"/waypoint-deploy-test-*/pids; do
    [[ -f $pids && $pids -nt $marker ]] || continue
    while read -r pid; do
      kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
    done <"$pids"
  done
  rm -rf "$marker"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$PY" deploy/test/deploy_test.py
