# Two entry points for a fresh machine (see README.md):
#   make demo   set up .venv, write small sample sources, run the pipeline end to end
#   make test   set up .venv with the test tools, run the test suite
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed

export FIFTYONE_DO_NOT_TRACK = true
export FIFTYONE_DATABASE_VALIDATION = false

.PHONY: setup demo test browser bench clean

setup: $(STAMP)

$(STAMP): setup.cfg pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[train,test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/curate demo

test: $(STAMP) browser
	$(PY) -m pytest

# Debian's Chromium for the FiftyOne App browser test (skipped, with a reason, without it).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: Debian chromium not installed; the App browser test will be skipped"; fi; }

bench: $(STAMP)
	$(PY) benchmarks/ingest.py
	$(PY) benchmarks/scores.py

clean:
	rm -rf $(VENV) .curate .pytest_cache
