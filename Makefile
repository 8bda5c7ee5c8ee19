# The two commands of the README: `make book` and `make test`. Each makes and fills its own
# virtual environment (.venv) first. Nothing here calls sudo or installs Quarto. `make test` needs
# Chromium and ChromeDriver for its browser tests: run as root on Debian, it installs them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# torch goes in first, on its own: with no torch installed, a plain `torch` requirement pulls the
# newest CUDA build with several GB of CUDA packages. On the project's machines `torch==2.13.0`
# resolves to the CPU wheel in pip's local wheel directory; elsewhere pass your own, e.g.
# `make test TORCH_SPEC="torch --index-url <PyTorch's CPU wheel index>"`.
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: book test outputs export clean help browser

help:
	@echo "make book    build the site into _docs/ and print the path of its home page"
	@echo "make test    export check, every notebook, browser tests; ends with 'N passed, M failed'"
	@echo "             (installs Debian's chromium and chromium-driver when they are missing and it runs as root)"
	@echo "make outputs re-run every notebook and save its outputs (what the site shows)"

$(STAMP): settings.ini setup.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "pcm-literate needs Python >= 3.10, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q $(TORCH_SPEC)
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

export: $(STAMP)
	$(VENV)/bin/nbdev_export

book: export
	@if command -v quarto >/dev/null 2>&1; then \
	  $(VENV)/bin/nbdev_docs && $(PY) tools/build_book.py --readme-only && $(PY) tools/build_book.py --relink _docs; \
	else \
	  $(PY) tools/build_book.py; \
	fi
	@echo "$(CURDIR)/_docs/index.html"

# Chromium and ChromeDriver for the browser tests: present, or installed from Debian's packages when
# this runs as root, or a stop before anything runs, with the one command to run.
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's chromium and chromium-driver for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; \
	else \
	  echo "make test needs Chromium and ChromeDriver for its browser tests: run 'sudo apt-get install chromium chromium-driver', then make test" >&2; \
	  exit 1; \
	fi

test: browser $(STAMP)
	TORCH_SPEC="$(TORCH_SPEC)" $(PY) -m pytest tests

outputs: export
	$(PY) tools/run_notebooks.py

clean:
	rm -rf _docs _proc $(VENV)
