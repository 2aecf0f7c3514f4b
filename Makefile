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
# Quiet: one log line per background job that did something (background/logs.py; HOMESLOT_LOG_JOBS=1 for
# all); the address and the demo accounts are printed last, once the server is up. PORT=8001 for another port.
run: seed
	@$(PY) manage.py worker & worker=$$!; \
	$(PY) manage.py scheduler & scheduler=$$!; \
	(sleep 5; printf '%s\n' "" \
	  "Homeslot on http://$(HOST):$(PORT)/   (API docs: http://$(HOST):$(PORT)/api/docs/; another port: PORT=8001 make run)" \
	  "Demo accounts, password homeslot-demo: supervisor 13800000001 · admin 13800000000 · finance 13800000002" \
	  "  mothers 13900000001 … 13900000020 · operator (/admin/) 13500000000 · programme observer (/programme/) 13600000000" \
	  "  — Ctrl-C stops everything" "") & \
	trap 'kill $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(PY) -m config.server -b $(HOST) -p $(PORT) --websocket_connect_timeout 5 config.asgi:application

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# Pictures of every page (mothers at 360 px, staff at 1366 px) for the README: needs PostgreSQL and
# Redis (DATABASE_URL, REDIS_URL) for the live server, and Chromium.
screenshots: $(STAMP)
	$(PY) -m pytest -q tests/browser/test_screenshots.py
	mkdir -p docs/screenshots/pages && cp var/screenshots/pages/*.png docs/screenshots/pages/

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
