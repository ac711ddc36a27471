# discogsography: `make run` runs the main job on the bundled sample dump, `make test` runs every test.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)
SAMPLE_DUMP := samples/discogs_20200806

.PHONY: help setup services test-services run parse test test-faults-loaded lint docs bench bench-pipeline bench-refresh bench-scale bench-index bench-peers bench-floor bench-pg-settings bench-api clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

setup: ## Install uv and the locked dependencies
	@scripts/setup.sh

services: ## Also start what the main job needs when it is down: PostgreSQL and RabbitMQ
	@scripts/setup.sh --services

test-services: ## Also start what the tests need when it is down: PostgreSQL, RabbitMQ, MariaDB, Chromium
	@scripts/setup.sh --test-services

run: services ## The main job on the bundled sample dump: extractor -> RabbitMQ -> tableinator -> PostgreSQL
	@DISCOGS_SOURCE="file://$(CURDIR)/$(SAMPLE_DUMP)" \
	DISCOGS_ROOT="$(CURDIR)/out/discogs-data" \
	AMQP_CONNECTION="$${AMQP_CONNECTION:-amqp://guest:guest@127.0.0.1:5672/}" \
	POSTGRES_ADDRESS="$${POSTGRES_ADDRESS:-127.0.0.1:5432}" \
	POSTGRES_USERNAME="$${POSTGRES_USERNAME:-postgres}" \
	POSTGRES_DATABASE="$${POSTGRES_DATABASE:-discogsography}" \
	FORCE_REPROCESS=true CONSUMER_CANCEL_DELAY=5 POSTGRES_BATCH_FLUSH_INTERVAL=1 \
	uv run discogsography pipeline

parse: setup ## Parse the bundled sample dump to JSON Lines in out/ (no services needed)
	@mkdir -p out
	@for file in $(SAMPLE_DUMP)/*.xml.gz; do \
	  name=$$(basename "$$file" .xml.gz); \
	  uv run discogsography parse "$$file" --output "out/$$name.jsonl" || exit 1; \
	done
	@echo "JSON Lines written to out/"

lint: setup ## ruff and mypy
	uv run ruff check src tests bench hatch_build.py
	uv run ruff format --check src tests bench hatch_build.py
	uv run mypy

docs: setup ## Regenerate docs/configuration.md from the settings classes
	uv run python -m discogsography.config.reference --write

test: test-services lint ## Lint, the parser's tests without the compiled converter, then the whole suite
	DISCOGSOGRAPHY_PURE_PYTHON=1 uv run pytest -q -p no:randomly tests/parsing
	uv run pytest

test-faults-loaded: test-services ## The fault suite three times in a row while a busy loop keeps one core at 100 %
	@scripts/faults-under-load.sh

bench: setup ## Parser benchmark on a make_dump.py dump (200,000 releases)
	uv run python bench/parse_bench.py

bench-pipeline: services ## End-to-end benchmark: 100,000 releases through the whole pipeline
	uv run python bench/pipeline_bench.py

bench-peers: services ## Side by side with discogskit 0.2.0 (installed under bench/out): load, pipeline, Parquet export
	uv run python bench/peers_bench.py

bench-floor: services ## The physical floor: gzip inflate, libxml2 parse and COPY, each alone
	uv run python bench/floor_bench.py

bench-refresh: services ## Monthly refresh: full load of B against the refresh A -> B (100,000 releases)
	uv run python bench/refresh_bench.py

bench-scale: services ## A quarter of the real dump: load, pipeline, backlog, three refreshes, small memory (hours; SCALE=0.01 for a trial)
	uv run python bench/scale_bench.py --scale $${SCALE:-1}

bench-pg-settings: services ## Server-wide PostgreSQL settings for a bulk load, on a private PostgreSQL 15 (initdb in a temp dir)
	uv run python bench/server_settings_bench.py --pairs 3

bench-api: ## `serve` under wrk on 1,000,000 releases, beside pgbench's rate for the same by-id query
	@scripts/setup.sh --bench-api
	uv run python bench/api_bench.py

bench-index: setup ## The published-records index at 2,000,000 ids: SQLite against a sorted array
	uv run python bench/index_bench.py

clean: ## Remove outputs and caches
	rm -rf out bench/out .pytest_cache .mypy_cache .ruff_cache
