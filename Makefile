# Everything a person does here is a make target. Each creates the virtualenv it needs.
SHELL := /bin/bash
# Python 3.12 (the Lambda runtime): on PATH, or pyenv's, whichever runs.
PYTHON ?= $(shell for p in python3.12 $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.12*/bin/python3.12 2>/dev/null) python3; do \
	"$$p" -c "import sys; assert sys.version_info >= (3, 12)" 2>/dev/null && { command -v "$$p"; break; }; done)
ifeq ($(PYTHON),)
$(error Python 3.12 or newer is needed: install it (e.g. pyenv install 3.12) or set PYTHON=/path/to/python3.12)
endif
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAM_VENV := .venv-sam
# checkov pins its own dependency tree (boto3, pydantic, ...): a separate virtualenv, like SAM's.
CHECKOV_VENV := .venv-checkov
CHECKOV_VERSION := 3.3.30
export PYTHONPATH := shared:.
export AWS_DEFAULT_REGION ?= eu-central-1

.PHONY: help install chromium run invoke test test-fast test-e2e lint fmt bench openapi platform-models events validate build clean

help:
	@echo "make run      - the whole service on 127.0.0.1 (moto, API on :3000, stream/queue pollers)"
	@echo "make invoke FUNCTION=OrdersApiFunction EVENT=events/api/OrderAction.json"
	@echo "             - one function once with one event against the running stack (like sam local invoke -e)"
	@echo "make test     - the whole test suite (creates .venv)"
	@echo "make test-fast- unit and integration tests only (no e2e, no browser)"
	@echo "make lint     - ruff, mypy, cfn-lint, checkov (waivers in template.yaml), OpenAPI drift"
	@echo "make fmt      - ruff format and autofix"
	@echo "make bench    - cold-start import ratios and other benchmarks"
	@echo "make openapi  - regenerate shared/order_service/openapi.json"
	@echo "make platform-models - regenerate orders/platform_models.py from platform/ (the platform's schemas)"
	@echo "make screenshot - docs/backoffice.png and docs/health.png from the local stack in Chromium"
	@echo "make validate - sam validate --lint (separate .venv-sam)"
	@echo "make build    - sam build"

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m local_stack

invoke: $(STAMP)
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || { echo "usage: make invoke FUNCTION=OrdersApiFunction EVENT=events/api/OrderAction.json"; exit 2; }
	$(BIN)/python -m local_stack.invoke "$(FUNCTION)" "$(EVENT)"

# Browser tests need Debian's Chromium: installed here when we can (root + apt-get), else skipped with a reason.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Chromium (Debian) for the browser tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "could not install Chromium: the browser tests will be skipped"; \
	  else echo "Chromium is missing and this is not root: the browser tests will be skipped"; fi; }

test: $(STAMP) chromium
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not e2e and not browser"

test-e2e: $(STAMP) chromium
	$(BIN)/python -m pytest -m "e2e or browser"

$(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION):
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet checkov==$(CHECKOV_VERSION)
	touch $@

lint: $(STAMP) $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared functions local_stack tools tests
	$(BIN)/cfn-lint template.yaml
	$(CHECKOV_VENV)/bin/checkov -f template.yaml --compact --quiet --skip-download
	$(BIN)/python -m tools.openapi --check

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m tools.bench

screenshot: $(STAMP) chromium
	$(BIN)/python -m tools.screenshot
	$(BIN)/python -m tools.screenshot_health

openapi: $(STAMP)
	$(BIN)/python -m tools.openapi

platform-models: $(STAMP)
	$(BIN)/python -m tools.platform_models

events: $(STAMP)
	$(BIN)/python -m tools.make_events

$(SAM_VENV)/bin/sam:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli==1.170.0

validate: $(SAM_VENV)/bin/sam
	$(SAM_VENV)/bin/sam validate --lint

build: $(SAM_VENV)/bin/sam
	PATH="$(dir $(PYTHON)):$$PATH" $(SAM_VENV)/bin/sam build

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
