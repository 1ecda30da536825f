# GridDesk: `make run` opens the demo community, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO := data/demo.sqlite

.PHONY: run test bench lint clean system-deps dist

$(STAMP): pyproject.toml
	@bash scripts/system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

$(DEMO): | $(STAMP)
	mkdir -p data
	$(VENV)/bin/griddesk demo $(DEMO)

run: $(STAMP) $(DEMO)
	$(VENV)/bin/griddesk --db $(DEMO)

# system-deps every time: CUPS and CUPS-PDF for the printing tests also on an existing venv.
# The tests start cupsd themselves when it is not running (tests/cups_queue.py).
# One worker per core (pytest-xdist); each test module runs whole on one worker, the frozen
# build's modules first (tests/conftest.py). PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
test: $(STAMP) system-deps
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile \
		--no-loadscope-reorder

system-deps:
	@bash scripts/system-deps.sh

# Every benchmark, or some: make bench BENCH="sync printing"
BENCH ?= registry sync printing pairing excel audit backup at_rest hub
bench: $(STAMP)
	for b in $(BENCH); do echo "== bench/$$b.py"; \
		QT_QPA_PLATFORM=offscreen $(PY) bench/$$b.py || exit 1; done

# The packages for offices (release/dist.py): dist/griddesk_<version>_amd64.deb and
# dist/griddesk-<version>-linux-x86_64.tar.gz, with the build's size by part in the log.
dist: $(STAMP) system-deps
	QT_QPA_PLATFORM=offscreen $(PY) release/dist.py

lint: $(STAMP)
	$(VENV)/bin/ruff check app db ui tests bench

clean:
	rm -rf build dist data/demo.sqlite
