# Two commands do everything on a fresh machine:
#   make book   -> _build/html/index.html (creates .venv, installs, executes notebooks, builds HTML)
#   make test   -> the whole test suite (same set-up first)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
READY  := $(VENV)/.mst-aml-book-installed

.PHONY: book test install execute html pair bench student course grade clean

book: $(READY)
	$(PY) -m mst_helpers.build book

test: $(READY)
	$(PY) -m pytest

install: $(READY)

# Re-installs only when the dependency list changes.
$(READY): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) -m ipykernel install --sys-prefix --name mst-aml-book --display-name "Python (mst-aml-book)"
	@touch $@

execute: $(READY)
	$(PY) -m mst_helpers.build execute

html: $(READY)
	$(PY) -m mst_helpers.build html

# Regenerate every notebooks/*.ipynb from its jupytext .py source (outputs stripped).
pair: $(READY)
	$(PY) -m mst_helpers.build pair

bench: $(READY)
	$(PY) -m mst_helpers.build bench

# The chapters without their solutions, glued numbers written in, for plain Jupyter: _build/student/.
student: $(READY)
	$(PY) -m mst_helpers.build student

# Autograded assignments (otter-grader): autograders, solution and student notebooks in _build/course/.
course: $(READY)
	$(PY) -m mst_helpers.build course

# Grade a folder of submitted assignment notebooks (public + hidden tests, no Docker) into one CSV:
#   make grade DIR=submissions/ [OUT=grades.csv]   (default: DIR/grades.csv)
grade: $(READY)
	@test -n "$(DIR)" || { echo "usage: make grade DIR=<folder of submitted notebooks> [OUT=grades.csv]"; exit 2; }
	$(PY) -m mst_helpers.build grade "$(DIR)" $(if $(OUT),--output "$(OUT)")

clean:
	rm -rf _build book/executed
