# Set-up is part of every target: `make test` and `make demo` work on a fresh clone.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# The CPU wheel of torch must go in first: an unpinned torch pulls GBs of CUDA packages.
TORCH  ?= torch==2.13.0

.PHONY: install browser test test-fast demo bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH)
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# One worker per core; a test file stays on one worker, so its module fixtures are built once.
PYTEST := $(PY) -m pytest -n auto --dist loadfile

# Debian's chromium, which the web app's browser tests drive (installed when missing).
browser:
	bash scripts/ensure_browser.sh

test: install browser
	$(PYTEST)

test-fast: install browser
	$(PYTEST) -m "not slow"

demo: install
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash scripts/demo.sh

bench: install
	$(PY) bench/run.py

lint: install
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/mypy src

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .bench-cache
