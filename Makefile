# The two quick-start commands: `make demo` and `make test`. Each sets up .venv first if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# System packages the browser tests need: Debian's Chromium, and Noto fonts so Arabic is drawn as letters; nginx for
# the HTTPS deployment test (tests/deploy: Chromium -> nginx with TLS -> dalil serve, as docs/deploy.md sets it up).
BROWSER_PACKAGES := chromium fonts-noto-core libpango-1.0-0 libpangoft2-1.0-0 nginx
CHROMIUM ?= /usr/bin/chromium
NGINX ?= /usr/sbin/nginx

.PHONY: demo test setup browser

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip "setuptools<82" wheel
	$(BIN)/pip install --quiet -e ".[test]"
	$(BIN)/pip install --quiet --no-deps face_recognition  # with deps it would compile dlib; dlib-bin is in pyproject
	touch $@

setup: $(VENV)/.installed

# Installs the browser only where it is missing and apt-get can (Debian/Ubuntu, as root); elsewhere it says so and
# carries on: `make test` still runs every other test, and the browser and HTTPS tests skip, each with its reason.
browser:
	@if [ -x $(CHROMIUM) ] && [ -x $(NGINX) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing $(BROWSER_PACKAGES) with apt-get (for tests/browser and tests/deploy)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES); \
	else \
		echo "Not installing $(BROWSER_PACKAGES): that needs apt-get as root (this is $$(id -un))."; \
		echo "The tests that drive Chromium or nginx will skip; to run them, as root: make browser"; \
	fi

demo: setup
	$(BIN)/dalil demo

test: setup browser
	$(BIN)/python -m pytest
