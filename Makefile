# Two entry points for a fresh machine (see README.md):
#   make demo   set up .venv, write small sample sources, run the pipeline end to end
#   make test   set up .venv with the test tools and .venv-studio (Label Studio), run the test suite
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed
# Label Studio's server has its own venv: its Django stack pins clash with FiftyOne's.
STUDIO_VENV  ?= .venv-studio
STUDIO_STAMP  = $(STUDIO_VENV)/.installed

export FIFTYONE_DO_NOT_TRACK = true
export FIFTYONE_DATABASE_VALIDATION = false

.PHONY: setup studio demo test browser bench camera-model clean

setup: $(STAMP)

studio: $(STUDIO_STAMP)

$(STUDIO_STAMP): constraints-studio.txt
	test -x $(STUDIO_VENV)/bin/python || $(PYTHON) -m venv $(STUDIO_VENV)
	$(STUDIO_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(STUDIO_VENV)/bin/python -m pip install --quiet -c constraints-studio.txt label-studio==1.23.2
	touch $(STUDIO_STAMP)

$(STAMP): setup.cfg pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[train,test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/curate demo

# Two workers, one test file each at a time (module fixtures are built once; each worker has its own
# database and, where a test needs one, its own Label Studio server): 21 min serial → 15.5 min on 2 cores.
test: $(STAMP) $(STUDIO_STAMP) browser
	$(PY) -m pytest -n 2 --dist loadfile

# Debian's Chromium for the FiftyOne App browser test (skipped, with a reason, without it).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: Debian chromium not installed; the App browser test will be skipped"; fi; }

bench: $(STAMP)
	$(PY) benchmarks/ingest.py
	$(PY) benchmarks/scores.py

# The shipped camera model's recipe (openmv/model/recipe.toml) on the real data, CPU only (about
# 45 min on 2 cores): one 42-minute run on all of Training keeping its last epoch, shipped to openmv/model/.
camera-model: $(STAMP)
	$(PY) benchmarks/camera_model.py --recipe openmv/model/recipe.toml --run-name camera-model --ship

clean:
	rm -rf $(VENV) $(STUDIO_VENV) .curate .pytest_cache
