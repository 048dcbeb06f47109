# cccd-chip — two commands for a newcomer: `make demo` and `make test`.
# Each installs what is missing (Debian packages as root, a .venv with the
# project and its extras), idempotently, then runs.

SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# 1: `make setup` compiles the verification path with mypyc (native/build.py); 0: the sources only
NATIVE ?= 1
DEB_PACKAGES := gcc python3-dev pcscd libpcsclite-dev swig vsmartcard-vpcd pcsc-tools opensc chromium chromium-driver fonts-dejavu-core postgresql curl
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test bench setup system-deps clean test-fast native

demo: setup
	$(BIN)/cccd demo

# the suite on what `make setup` built (the compiled modules unless NATIVE=0), then the
# adversarial, field-quirk, verify and LDS tests and the two dump loaders' own tests again on the pure-Python sources
PURE_PASS := tests/adversarial tests/quirks tests/verify tests/lds tests/unit/test_native.py tests/unit/test_cbor_input.py tests/unit/test_json_input_lift.py
test: setup
	CCCD_CHIP_EXPECT_NATIVE=$(NATIVE) $(BIN)/python -m pytest
ifeq ($(NATIVE),1)
	CCCD_CHIP_PURE=1 CCCD_CHIP_EXPECT_NATIVE=0 $(BIN)/python -m pytest -p no:cacheprovider $(PURE_PASS)
endif

test-fast: setup
	CCCD_CHIP_EXPECT_NATIVE=$(NATIVE) $(BIN)/python -m pytest -m "not pcsc and not slow"

bench: setup
	$(BIN)/python benchmarks/run_all.py

setup: system-deps $(STAMP) native

# the verification path compiled with mypyc (native/build.py, docs/performance.md); again only
# when a listed source changed. NATIVE=0 leaves it out (the sources run, the same results).
native: $(STAMP)
ifeq ($(NATIVE),1)
	$(BIN)/python native/build.py --if-stale
else
	$(BIN)/python native/build.py --clean
endif

system-deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  else \
	    echo "warning: apt-get not found; install$$missing yourself (PC/SC tests need them)"; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	@[ -x $(BIN)/python ] || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[pcsc,cli,emulator,bio,test,archive,kiosk,service,fast]'
	@touch $(STAMP)

clean:
	[ ! -x $(BIN)/python ] || $(BIN)/python native/build.py --clean
	rm -rf $(VENV) build *.egg-info .pytest_cache
