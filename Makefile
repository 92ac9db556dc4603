# szcg — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
SZCG   := $(BIN)/szcg
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install assets lint db deploy demo clean bench translations messages

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/activate setup.cfg pyproject.toml
	$(BIN)/pip install -q -e '.[prod,test]'
	touch $@

install: $(VENV)/.installed translations

# Page languages: .po text is committed, .mo is compiled here (and by the app when missing).
MO := web/translations/zh/LC_MESSAGES/messages.mo
translations: $(MO)
$(MO): web/translations/zh/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/python -m web.i18n

# After changing page text: extract the messages and merge them into the catalogues.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --omit-header -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations --no-location --omit-header

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
	@bash scripts/ensure_chromium.sh
	$(BIN)/ruff check engine web demo bench tests migrations scripts
	$(BIN)/pytest

bench: install
	$(SZCG) bench

clean:
	rm -rf $(VENV) node_modules web/static/vendor .pytest_cache
