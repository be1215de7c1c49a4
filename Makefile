# Kendari 112 — two commands: `make run` (serve the app) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8050
export HOST PORT

.PHONY: run test bench system-deps system-deps-test venv prepare stop-db token clean-db

run: system-deps venv
	$(PY) app.py run

test: system-deps-test venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	@status=0; $(PY) -m pytest $(PYTEST_ARGS) || status=$$?; \
	  $(PY) -c "import os; from store.cluster import EmbeddedCluster; EmbeddedCluster('var/test-pg', port=int(os.environ.get('KENDARI112_TEST_PG_PORT', '54330'))).stop()" || true; \
	  exit $$status

bench: system-deps venv
	$(PY) -m bench

system-deps:
	@bash scripts/install-system-deps.sh

system-deps-test:
	@bash scripts/install-system-deps.sh --test

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

prepare: system-deps venv
	$(PY) app.py prepare

stop-db:
	$(PY) app.py stop-db

token: venv
	$(PY) app.py create-token --name $${NAME:-integration} --role $${ROLE:-integration}

clean-db: stop-db
	rm -rf var/pg

# Import a road layer into var/roads/ (OSM .osm/.pbf, Shapefile, GeoPackage, GeoJSON, KML, FlatGeobuf):
#   make import-roads FILE=jalan.gpkg SOURCE="BIG RBI 1:25.000" LICENCE="..." [ATTRIBUTION=... CLASSES=... LAYER=...]
.PHONY: import-roads
import-roads: venv
	@[ -n "$(FILE)" ] || { echo "usage: make import-roads FILE=path [SOURCE=... LICENCE=...]"; exit 2; }
	$(PY) -m routing.import_roads "$(FILE)" $(if $(SOURCE),--source "$(SOURCE)") $(if $(LICENCE),--licence "$(LICENCE)") $(if $(ATTRIBUTION),--attribution "$(ATTRIBUTION)") $(if $(CLASSES),--classes "$(CLASSES)") $(if $(LAYER),--layer "$(LAYER)")

# --- operations: backups, restore, high availability (docs/operations.md) ---------------------
.PHONY: backup restore ha-demo ha-test ha-clean system-deps-ha

backup: venv
	$(PY) scripts/backup.py $(if $(OUT),--out "$(OUT)")

restore: system-deps venv
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/kendari112-<time>.dump [FORCE=1]" >&2; exit 2; }
	$(PY) scripts/restore.py "$(FILE)" $(if $(filter 1 yes true,$(FORCE)),--force)

ha-demo: system-deps-ha venv
	$(PY) scripts/ha_demo.py

ha-test: system-deps-ha venv
	KENDARI112_HA_TEST=1 $(PY) -m pytest tests/test_ha.py -q $(PYTEST_ARGS)

ha-clean:
	$(PY) scripts/ha_demo.py --clean

system-deps-ha:
	@bash scripts/install-system-deps.sh --ha

# Monthly report for the mayor's office (PDF + HTML in var/reports/): make report MONTH=2026-10 [REPORT_LANG=en]
.PHONY: report
report: system-deps venv
	@[ -n "$(MONTH)" ] || { echo "usage: make report MONTH=YYYY-MM [REPORT_LANG=en]"; exit 2; }
	$(PY) app.py report --month "$(MONTH)" $(if $(REPORT_LANG),--lang "$(REPORT_LANG)")
