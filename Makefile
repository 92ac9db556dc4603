# szcg — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
SZCG   := $(BIN)/szcg
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install assets lint db deploy demo clean bench

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/activate setup.cfg pyproject.toml
	$(BIN)/pip install -q -e '.[prod,test]'
	touch $@

install: $(VENV)/.installed

assets: node_modules/.installed
node_modules/.installed: package.json package-lock.json scripts/copy_vendor.py
	npm ci --no-audit --no-fund --loglevel=error
	$(PYTHON) scripts/copy_vendor.py
	touch $@

db: install
	$(SZCG) db upgrade

deploy: db
	$(SZCG) deploy

demo: deploy
	$(SZCG) demo

run: install assets demo
	$(SZCG) run --host $(HOST) --port $(PORT)

test: install assets
	$(BIN)/ruff check engine web tests migrations
	$(BIN)/pytest

bench: install
	$(SZCG) bench

clean:
	rm -rf $(VENV) node_modules web/static/vendor .pytest_cache
