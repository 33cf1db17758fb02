# Targets: help up down reset status test screenshots lint bench compose schema  (details: make help)
# The logic lives in deploy/local/*.sh; these targets only name the common entry points.

SHELL := /bin/bash
LOCAL := deploy/local
# uv may have been installed by deploy/local into .cache/uv, or by pip into ~/.local/bin.
export PATH := $(CURDIR)/.cache/uv/bin:$(HOME)/.local/bin:$(PATH)
UV_RUN := uv run --frozen

.DEFAULT_GOAL := help
.PHONY: help up down reset status test screenshots lint bench compose schema

help: ## list the targets
	@echo "targets: up down reset status test screenshots lint bench compose schema"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z]+):.*## /  \1\t/' | expand -t 12

up: ## install what is missing and start the local stack; prints the gateway URL and a demo token
	@$(LOCAL)/up.sh

down: ## stop the local stack (data is kept)
	@$(LOCAL)/down.sh

reset: ## stop the stack and delete its data (keeps .data/secrets and .cache)
	@$(LOCAL)/reset.sh

status: ## show what is running, with pids and addresses
	@$(LOCAL)/status.sh

test: ## start the stack if needed, then lint, type-check and run every test
	@$(LOCAL)/up.sh --quiet --no-demo
	@$(MAKE) --no-print-directory lint
	@$(LOCAL)/pytest.sh

screenshots: ## start the stack if needed and retake the console's screenshots in docs/console/
	@$(LOCAL)/up.sh --quiet --no-demo
	@CONSOLE_SCREENSHOTS=1 $(LOCAL)/pytest.sh tests/e2e/test_console.py

lint: ## ruff (lint and format check) and mypy
	$(UV_RUN) ruff check .
	$(UV_RUN) ruff format --check .
	$(UV_RUN) mypy

bench: ## start the stack if needed and run the benchmarks (ARGS="--only NAME" for one)
	@$(LOCAL)/up.sh --quiet --no-demo
	$(UV_RUN) python bench/run.py $(ARGS)

schema: ## rewrite each subgraph's SDL and docs/events/*.json from the code, then recompose
	$(UV_RUN) python scripts/export_contracts.py
	cd gateway && npm run compose

compose: ## rebuild gateway/supergraph.graphql from the services' schemas
	cd gateway && npm run compose
