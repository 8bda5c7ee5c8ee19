# The two commands of the README: `make book` and `make test`. Each makes and fills its own
# virtual environment (.venv) first. Nothing here calls sudo or installs Quarto.
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

.PHONY: book test outputs export clean help

help:
	@echo "make book    build the site into _docs/ and print the path of its home page"
	@echo "make test    export check, every notebook, browser tests; ends with 'N passed, M failed'"
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

test: $(STAMP)
	TORCH_SPEC="$(TORCH_SPEC)" $(PY) -m pytest tests

outputs: export
	$(PY) tools/run_notebooks.py

clean:
	rm -rf _docs _proc $(VENV)
