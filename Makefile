# The README's two commands: `make run` and `make test`. Both create .venv and install the project
# first (editable: a source checkout keeps its writable folders in the project, see
# conflictmap/settings.py); boundaries come from $CONFLICTMAP_GEODATA, the cache, or the pinned URL
# (verified).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501

.PHONY: run test setup boundaries sample bench mutate clean i18n db-server db-server-stop

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

boundaries: setup
	$(BIN)/conflictmap geodata > /dev/null
	@echo "boundaries ready (33 departments, 1,122 municipalities)"

sample: boundaries
	$(BIN)/conflictmap sample > /dev/null

run: sample
	$(BIN)/conflictmap serve --port $(PORT)

test: boundaries
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -m "not postgres_server"
	tools/test_postgres.sh

# A PostgreSQL (+ PostGIS) server for a team on this machine, from Debian's packages
# (apt-get install postgresql postgresql-15-postgis-3): data in data/postgresql, port $(PG_PORT),
# trust authentication on 127.0.0.1 only. Prints the URL for CONFLICTMAP_DB / --db.
PG_PORT ?= 5433
PG_DIR ?= data/postgresql
db-server: setup
	@url=$$(tools/pg_cluster.sh start $(PG_DIR) $(PG_PORT)) && \
	$(BIN)/conflictmap db init --db "$$url" > /dev/null && \
	echo "PostgreSQL ready: export CONFLICTMAP_DB=$$url"

db-server-stop:
	tools/pg_cluster.sh stop $(PG_DIR)

# The interface's translations (conflictmap/i18n.py): extract every _() / N_() / ngettext()
# msgid of the package and the UI scripts (babel.cfg), merge them into the catalogues, compile the
# .mo files (both committed; tests/test_i18n.py checks they are complete and current).
LOCALE := conflictmap/locale
i18n: setup
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header \
		-o $(LOCALE)/conflictmap.pot .
	$(BIN)/pybabel update -D conflictmap -i $(LOCALE)/conflictmap.pot -d $(LOCALE) -l es \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -D conflictmap -d $(LOCALE) --statistics

bench: boundaries
	$(BIN)/python bench/bench_foundation.py

# Mutation testing, one module per shard (not part of `test`, not in CI): writes
# docs/mutation/REPORT.md and docs/mutation/<module>.md. Runs in a scratch copy under /tmp with one
# worker (JOBS=n for more). Example: make mutate MODULE=conflictmap/dates.py
MODULE ?=
JOBS ?= 1
mutate: setup
	@test -n "$(MODULE)" || { echo "usage: make mutate MODULE=conflictmap/dates.py"; exit 2; }
	$(BIN)/python -m pip install --quiet -e '.[mutate]'
	$(BIN)/python tools/mutate.py $(MODULE) --jobs $(JOBS)

clean:
	rm -rf $(VENV) geodata/cache static/vendor
