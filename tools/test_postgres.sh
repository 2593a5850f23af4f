#!/usr/bin/env bash
# The PostgreSQL half of `make test`: the store's test modules (tests/postgres_modules.txt) once
# more with every database on PostgreSQL (tests/conftest.py --backend postgresql), plus the
# PostgreSQL-only tests (tests/test_postgres_store.py).
#
# The server: $CONFLICTMAP_TEST_POSTGRES when set (.ci/run starts one), else a throwaway cluster
# started here from Debian's packages (tools/pg_cluster.sh) and stopped at the end. Without
# PostgreSQL on the machine it says so and fails: the whole suite includes these tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
if [ -z "${CONFLICTMAP_TEST_POSTGRES:-}" ]; then
  if ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1; then
    dir=$(mktemp -d)/pg
    port=${PG_TEST_PORT:-54329}
    CONFLICTMAP_TEST_POSTGRES=$(tools/pg_cluster.sh start "$dir" "$port")
    export CONFLICTMAP_TEST_POSTGRES
    trap 'tools/pg_cluster.sh stop "$dir"; rm -rf "$(dirname "$dir")"' EXIT
  else
    echo "FAILED: the PostgreSQL store tests need PostgreSQL with PostGIS (apt-get install postgresql postgresql-15-postgis-3; .ci/run does)" >&2
    exit 1
  fi
fi
"$PY" -m pytest -q -p no:cacheprovider tests/test_postgres_store.py
mapfile -t modules < <(grep -v '^\s*#' tests/postgres_modules.txt | grep -v '^\s*$')
"$PY" -m pytest -q -p no:cacheprovider --backend postgresql "${modules[@]}"
