# newsledger: the first two targets are all a fresh machine with python3 needs.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
UV_VER  := 0.13.8
STAMP   := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)

.PHONY: run test ui env browser eval bench release clean

run: $(STAMP)  ## build the environment and run the whole pipeline on the sample corpus
	$(BIN)/python -m pipeline run --articles data/articles --warehouse warehouse

test: $(STAMP) browser  ## build the environment and run the tests
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=25

# The UI test drives the Dagster UI in a real headless Chromium (Debian's chromium and chromium-driver).
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium and chromium-driver (Debian) for the UI test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "warning: chromium/chromedriver missing and cannot be installed here: the UI test will be skipped"; fi

release: $(STAMP)  ## run the pipeline and write a versioned release to warehouse/releases/<version>/ (VERSION=... to name it)
	$(BIN)/python -m pipeline release --articles data/articles --warehouse warehouse $(if $(VERSION),--version $(VERSION),)

ui: $(STAMP)  ## the Dagster UI, daemon, daily schedule and inbox sensor on the corpus of newsledger.yaml (http://127.0.0.1:3000)
	$(BIN)/python -m pipeline ui --host 127.0.0.1 --port 3000

eval: $(STAMP)  ## score the extractor on the project gold set and, when present, on ../shared/benchmarks
	@if [ -d ../shared/benchmarks ]; then \
	  $(BIN)/python -m pipeline eval --benchmark ../shared/benchmarks; \
	else echo "../shared/benchmarks not found: scoring the project gold set only"; $(BIN)/python -m pipeline eval; fi

env: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VER)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

clean:
	rm -rf $(VENV) warehouse/*.duckdb warehouse/parquet warehouse/.storage warehouse/.dagster .dagster

# Throughput benchmark (not part of `make test`): N = 1,000 and 10,000 articles built from ../shared/benchmarks,
# the bare spaCy floor against the whole Dagster pipeline, then incremental runs; results in bench/out/bench.json.
# BENCH_ARGS="--large" adds N = 100,000; BENCH_ARGS="--sizes 1000" runs one size.
BENCH_ARGS ?=
bench: $(STAMP)  ## benchmark: articles/s, words/s, peak RSS, time per asset, ratio to the bare spaCy pass
	$(BIN)/python bench/run_bench.py $(BENCH_ARGS)

.PHONY: cluster-test
cluster-test: $(STAMP)  ## start a local dask.distributed cluster (scheduler + 2 workers) and materialise the sample on it
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_scale_out.py
