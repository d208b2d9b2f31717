# newsledger: the first two targets are all a fresh machine with python3 needs.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
UV_VER  := 0.13.8
STAMP   := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)
export NEWSLEDGER_STATE_DIR := $(CURDIR)/.dagster

.PHONY: run test ui env browser eval bench release clean

run: $(STAMP)  ## build the environment and run the whole pipeline on the sample corpus
	$(BIN)/python -m pipeline run --articles data/articles --warehouse warehouse

test: $(STAMP) browser  ## build the environment and run the tests
	$(BIN)/python -m pytest -q -p no:cacheprovider

# The UI test drives the Dagster UI in a real headless Chromium (Debian's chromium and chromium-driver).
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium and chromium-driver (Debian) for the UI test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "warning: chromium/chromedriver missing and cannot be installed here: the UI test will be skipped"; fi

ui: $(STAMP)  ## the Dagster UI on this project's instance (http://127.0.0.1:3000)
	mkdir -p $(NEWSLEDGER_STATE_DIR)
	$(BIN)/dagster dev -m pipeline.defs -h 127.0.0.1 -p 3000

env: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VER)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

clean:
	rm -rf $(VENV) warehouse/*.duckdb warehouse/parquet .dagster
