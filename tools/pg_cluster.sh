#!/usr/bin/env bash
# A throwaway PostgreSQL (+ PostGIS) cluster on loopback, for the test run (.ci/run) and for a
# person trying the team set-up (make db-server). Debian's packages: postgresql and
# postgresql-15-postgis-3 (installed by .ci/run when missing).
#
#   tools/pg_cluster.sh start DIR PORT   initdb in DIR (once), start on 127.0.0.1:PORT, trust auth
#   tools/pg_cluster.sh stop DIR         stop it (the data stays in DIR)
#
# initdb and postgres refuse to run as root: as root, the cluster belongs to the `postgres` user.
# Prints the database URL on start.
set -euo pipefail
action=${1:?usage: pg_cluster.sh start DIR PORT | stop DIR}
dir=$(realpath -m "${2:?cluster folder}")
port=${3:-5433}
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$bin/initdb" ] || { echo "PostgreSQL not found: apt-get install postgresql postgresql-15-postgis-3" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case $action in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then  # the cluster's user must reach the folder (mktemp's is 0700)
      chown postgres: "$dir"
      chmod a+x "$(dirname "$dir")"
    fi
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 > "$dir.initdb.log" 2>&1 \
        || { cat "$dir.initdb.log" >&2; exit 1; }
    fi
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start > /dev/null
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -f "$dir/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop > /dev/null
    ;;
  *) echo "usage: pg_cluster.sh start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
