# lantian — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
ESAT   := .venv-esat
DATA   ?=
PORT   ?= 8000

.PHONY: setup demo test bench bench-scale bench-hj212 lock lock-esat clean

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# EPA ESAT (PMF) pins numpy/pandas/scipy versions lantian's lock cannot take: its own environment,
# run by lantian as a subprocess (src/lantian/apportionment/runner.py; docs/apportionment.md)
$(ESAT)/.installed: requirements-esat.lock
	$(PYTHON) -m venv $(ESAT)
	$(ESAT)/bin/python -m pip install --quiet --upgrade pip
	$(ESAT)/bin/python -m pip install --quiet --require-hashes -r requirements-esat.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

src/lantian/web/static/vendor/.installed: node_modules/.installed scripts/vendor_assets.py
	$(PYTHON) scripts/vendor_assets.py
	touch $@

setup: $(VENV)/.installed $(ESAT)/.installed src/lantian/web/static/vendor/.installed  ## .venv and .venv-esat from the lock files; ECharts and htmx from npm

demo: setup  ## build the demo workspace from ../shared/data and serve it at http://127.0.0.1:8000/
	$(VENV)/bin/lantian demo init lantian-workspace $(if $(DATA),--data $(DATA))
	$(VENV)/bin/lantian serve --workspace lantian-workspace --port $(PORT)

test: setup  ## the whole test suite
	$(PY) -m pytest -q -n 2 --dist loadfile   # two workers; a test file stays on one worker, in order

bench: setup  ## benchmarks/ — lantian against the alternatives, January 2019 national
	$(PY) benchmarks/bench_cnemc_recompute.py $(if $(DATA),--data $(DATA))

bench-hj212: setup  ## benchmarks/bench_hj212.py — the HJ 212 receiver under 2,000 simulated devices, against a minimal server
	$(PY) benchmarks/bench_hj212.py

bench-scale: setup  ## benchmarks/bench_scale.py — a national year (January 2019 replicated): DuckDB, Spark local, the alternatives
	$(PY) benchmarks/bench_scale.py $(if $(DATA),--data $(DATA))

lock:  ## re-pin requirements.lock from pyproject.toml (needs uv)
	uv pip compile pyproject.toml --extra dev --extra bench --generate-hashes \
	  --python-version 3.11 --python-platform x86_64-unknown-linux-gnu -o requirements.lock

lock-esat:  ## re-pin requirements-esat.lock (ESAT's own environment; needs uv)
	uv pip compile requirements-esat.in --generate-hashes \
	  --python-version 3.11 --python-platform x86_64-unknown-linux-gnu -o requirements-esat.lock

clean:
	rm -rf $(VENV) $(ESAT) build *.egg-info src/*.egg-info node_modules src/lantian/web/static/vendor
