# lantian — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DATA   ?=
PORT   ?= 8000

.PHONY: setup demo test bench bench-scale bench-hj212 lock clean

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

src/lantian/web/static/vendor/.installed: node_modules/.installed scripts/vendor_assets.py
	$(PYTHON) scripts/vendor_assets.py
	touch $@

setup: $(VENV)/.installed src/lantian/web/static/vendor/.installed  ## .venv from the lock file; ECharts and htmx from npm

demo: setup  ## build the demo workspace from ../shared/data and serve it at http://127.0.0.1:8000/
	$(VENV)/bin/lantian demo init lantian-workspace $(if $(DATA),--data $(DATA))
	$(VENV)/bin/lantian serve --workspace lantian-workspace --port $(PORT)

test: setup  ## the whole test suite
	$(PY) -m pytest -q

bench: setup  ## benchmarks/ — lantian against the alternatives, January 2019 national
	$(PY) benchmarks/bench_cnemc_recompute.py $(if $(DATA),--data $(DATA))

bench-hj212: setup  ## benchmarks/bench_hj212.py — the HJ 212 receiver under 2,000 simulated devices, against a minimal server
	$(PY) benchmarks/bench_hj212.py

bench-scale: setup  ## benchmarks/bench_scale.py — a national year (January 2019 replicated): DuckDB, Spark local, the alternatives
	$(PY) benchmarks/bench_scale.py $(if $(DATA),--data $(DATA))

lock:  ## re-pin requirements.lock from pyproject.toml (needs uv)
	uv pip compile pyproject.toml --extra dev --extra bench --generate-hashes \
	  --python-version 3.11 --python-platform x86_64-unknown-linux-gnu -o requirements.lock

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info node_modules src/lantian/web/static/vendor
