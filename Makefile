# The two quick-start commands: `make demo` and `make test`. Each sets up .venv first if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# System packages the browser tests need: Debian's Chromium, and Noto fonts so Arabic is drawn as letters.
BROWSER_PACKAGES := chromium fonts-noto-core libpango-1.0-0 libpangoft2-1.0-0

.PHONY: demo test setup browser

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip "setuptools<82" wheel
	$(BIN)/pip install --quiet -e ".[test]"
	$(BIN)/pip install --quiet --no-deps face_recognition  # with deps it would compile dlib; dlib-bin is in pyproject
	touch $@

setup: $(VENV)/.installed

# Installs the browser only where it is missing and apt-get can (Debian/Ubuntu, as root); else the browser tests skip.
browser:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing $(BROWSER_PACKAGES) with apt-get (for tests/browser)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES); \
	fi

demo: setup
	$(BIN)/dalil demo

test: setup browser
	$(BIN)/python -m pytest
