# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
# Links in mails and on posters point at the port actually served, unless SITE_URL is set.
export SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test install install-dev lint content-check bench deploy-smoke mutants mutants-recheck mutants-report clean

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
	$(BIN)/ruff check training_portal tests bench tools
	$(BIN)/mypy training_portal

content-check: install
	$(BIN)/flask content check content

bench: install-dev
	$(BIN)/python bench/bench_certificates.py
	$(BIN)/python bench/bench_register_pdf.py
	$(BIN)/python bench/bench_module_page.py
	$(BIN)/python bench/bench_quiz_submit.py
	$(BIN)/python bench/bench_login.py
	$(BIN)/python bench/bench_venue_overview.py

# The production topology for real (tests/deploy/, README "Deploying"): Debian's nginx with
# deploy/nginx-site.conf in front of two gunicorns (deploy/gunicorn.conf.py) on PostgreSQL and
# Redis. Needs nginx (apt-get install -y nginx-light), DATABASE_URL=postgresql://… and Redis;
# uses ports 18100-18111 (DEPLOY_SMOKE_PORT_BASE) and empties DEPLOY_REDIS_URL's database.
DEPLOY_REDIS_URL ?= redis://127.0.0.1:6379/14
deploy-smoke: install-dev
	DEPLOY_SMOKE=1 DEPLOY_REDIS_URL=$(DEPLOY_REDIS_URL) $(BIN)/python -m pytest -q -p no:randomly tests/deploy

# Mutation testing of the rule-bearing files ([mutmut] in setup.cfg; docs/testing.md).
# Not in CI: the whole set takes over an hour on the shared machine. Scope it to what you changed:
#   make mutants FILES="training_portal/policy.py training_portal/learning/status.py"
# Results are kept in mutants/ (a later run re-checks only changed code); `make mutants-report`
# prints the score per file and every survivor. MUTANTS_CHILDREN sets the parallel workers.
FILES ?=
MUTANTS_CHILDREN ?= 1
mutants: install-dev
	$(BIN)/mutmut run --max-children $(MUTANTS_CHILDREN) $(foreach f,$(FILES),"$(subst /,.,$(basename $(f))).*")
	$(BIN)/python tools/mutation_scores.py $(FILES)

# After adding tests: re-check only the survivors and unchecked mutants of FILES (naming files
# in `make mutants` re-runs every mutant in them).
mutants-recheck: install-dev
	@names="$$($(BIN)/python tools/mutation_scores.py --names $(FILES))"; \
	if [ -z "$$names" ]; then echo "Nothing to re-check."; else \
	$(BIN)/mutmut run --max-children $(MUTANTS_CHILDREN) $$names; fi
	$(BIN)/python tools/mutation_scores.py $(FILES)

mutants-report:
	$(BIN)/python tools/mutation_scores.py $(FILES)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache mutants
