# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
# Links in mails and on posters point at the port actually served, unless SITE_URL is set.
export SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test install install-dev lint content-check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,postgres]'

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: install-dev
	$(BIN)/flask content check content
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check training_portal tests bench
	$(BIN)/mypy training_portal

content-check: install
	$(BIN)/flask content check content

bench: install-dev
	$(BIN)/python bench/bench_certificates.py
	$(BIN)/python bench/bench_register_pdf.py
	$(BIN)/python bench/bench_module_page.py
	$(BIN)/python bench/bench_quiz_submit.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
