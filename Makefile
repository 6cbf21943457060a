# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
# Links in mails and on posters point at the port actually served, unless SITE_URL is set.
export SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test install install-dev lint content-check bench bench-tools deploy-smoke mutants mutants-recheck mutants-report clean

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
	$(BIN)/ruff check training_portal tests bench tools deploy
	$(BIN)/mypy training_portal

content-check: install
	$(BIN)/flask content check content

# Every benchmark, then the summary at the top of docs/benchmarks.md (bench/README.md).
# `make bench BENCH_QUICK=1`: a smoke run that leaves the docs alone (bench/out/summary.md).
BENCH_QUICK ?=
bench: install-dev bench-tools
	$(BIN)/python bench/run_all.py $(if $(filter-out 0,$(BENCH_QUICK)),--quick)

# Tools only the benchmarks use, each in its own gitignored folder under bench/.
bench-tools: bench/.venv-locust/bin/locust bench/.node/node_modules/.bin/lighthouse

bench/.venv-locust/bin/locust:
	$(PYTHON) -m venv bench/.venv-locust
	bench/.venv-locust/bin/pip install --quiet locust

# Lighthouse 12.8 is the newest line that runs on Debian's Node 20 (13 needs Node >= 22.19).
bench/.node/node_modules/.bin/lighthouse:
	npm install --prefix bench/.node --no-audit --no-fund --loglevel=error lighthouse@12.8.2

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
