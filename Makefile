# Two commands do all set-up on a fresh machine (Python 3.11-3.13, Debian):
#   make run    creates .venv, installs facefilter, starts the app (ARGS="--source clip.mp4")
#   make test   creates .venv, installs facefilter[dev,train,bench] + the window libraries, runs the tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# libpulse0: QtMultimedia (camera names) loads only with it, as on any desktop; CI installs it too so
# that tests run where QtMultimedia loads.
QT_DEBS := libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libpulse0 xvfb

.PHONY: run test system-deps lint bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

# Tests need everything: torch (training, evaluation, the photo ensemble) is the "train" extra,
# dlib (the face swap's independent identity judge) the "bench" extra.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev,train,bench]"
	touch $@ $(VENV)/.installed

system-deps:
	@missing=""; for p in $(QT_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

run: $(VENV)/.installed system-deps
	$(BIN)/facefilter $(ARGS)

test: $(VENV)/.installed-dev system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check facefilter tests

bench: $(VENV)/.installed-dev  # the benchmarks use torch (threads, references) and dlib
	$(BIN)/facefilter-bench $(ARGS)
