# memberlytics -- `make` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
GO ?= go
BIN := bin/memberlytics
export PATH := /usr/local/go/bin:$(PATH)

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: setup
setup: ## Install what the project needs: ClickHouse server/client (apt), libchdb (npm)
	@scripts/setup.sh

.PHONY: build
build: ## Build bin/memberlytics
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/memberlytics

.PHONY: fmt-check
fmt-check: ## Fail when a Go file is not gofmt-ed
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet: ## go vet
	$(GO) vet ./...

.PHONY: test
test: setup fmt-check vet ## gofmt, vet, and every test with -race against real ClickHouse (18.16 server and chDB 26.x)
	MEMBERLYTICS_REQUIRE_CLICKHOUSE=$${MEMBERLYTICS_REQUIRE_CLICKHOUSE:-1} $(GO) test -race -timeout 40m -p 2 ./...

FUZZTIME ?= 60s
.PHONY: fuzz
fuzz: ## Fuzz the CSV and NDJSON row parsing (FUZZTIME per target, default 60s)
	$(GO) test -run '^$$' -fuzz '^FuzzCSVRow$$' -fuzztime $(FUZZTIME) ./loaders
	$(GO) test -run '^$$' -fuzz '^FuzzNDJSONRow$$' -fuzztime $(FUZZTIME) ./loaders

.PHONY: demo
demo: setup build ## The main job end to end on a local ClickHouse it starts itself
	@scripts/demo.sh

.PHONY: bench
bench: setup build ## Benchmarks: ratios against clickhouse-client and plain queries on the same server
	@scripts/bench.sh

.PHONY: clean
clean: ## Stop the local ClickHouse and remove build and demo output
	-@[ -x $(BIN) ] && $(BIN) clickhouse stop || true
	rm -rf bin .memberlytics out
