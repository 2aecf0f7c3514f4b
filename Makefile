# Homeslot: `make run` serves the platform with demo data; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint migrate seed clean messages

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# The server (daphne with a deadline on request heads: config/server.py), the background worker and
# the scheduler of periodic jobs; Ctrl-C stops all three.
run: seed
	@echo "Homeslot on http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/docs/)"
	@$(PY) manage.py worker & worker=$$!; \
	$(PY) manage.py scheduler & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(PY) -m config.server -b $(HOST) -p $(PORT) --websocket_connect_timeout 5 config.asgi:application

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var

# Translations (README, "Translating"): collect the msgids of the code and templates into
# locale/zh_Hans/LC_MESSAGES/django.po, the file translators edit (new ones come empty or fuzzy),
# then compile the committed django.mo. Needs gettext's tools; running the platform does not.
# Locations name the file only (no line numbers): a translator sees whose page a text is on, and an
# edit elsewhere in a file does not touch the .po. Entries gone from the code go (a changed text comes
# back fuzzy, its old Chinese offered), and so does the POT-Creation-Date line: a run that finds
# nothing new changes nothing.
MESSAGES_PO := locale/zh_Hans/LC_MESSAGES/django.po
messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans --add-location=file --no-obsolete --ignore=.venv --ignore=tests --ignore=bench
	sed -i.bak '/^"POT-Creation-Date: /d' $(MESSAGES_PO) && rm $(MESSAGES_PO).bak
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv
