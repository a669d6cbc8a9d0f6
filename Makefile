# Car Care Hub — the contract for developers and CI (see README.md).
GO       ?= go
TAGS     := duckdb_arrow
BIN      := bin/cch
DATA_DIR ?= .cch
HTTP     ?= 127.0.0.1:8080
# cch --version and cch_build_info: the git description of the checkout.
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS  := -X main.version=$(VERSION)

.PHONY: run build test test-short lint bench fmt

## run: build and start the whole platform on a managed local Postgres in ./.cch
run: build
	./$(BIN) dev --data-dir $(DATA_DIR) --http $(HTTP)

## build: the cch binary in ./bin
build:
	$(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/cch

## test: lint, then every test with the race detector against real PostgreSQL and DuckDB
test: lint
	$(GO) test -race -tags $(TAGS) -timeout 30m -count=1 ./...

## test-short: the quick subset (skips the slowest end-to-end tests)
test-short:
	$(GO) test -tags $(TAGS) -short -count=1 ./...

## lint: gofmt and go vet must be clean
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

## bench: the benchmark suite; writes BENCHMARKS.md (BENCH_QUICK=1: within 10 minutes; BENCH_SUITES=bookings,cdc,seed,indexes,dashboards,sse,failover,replica,pitr)
bench:
	./scripts/bench.sh

## screenshots: PNGs of every dashboard page at 390 and 1440 px into docs/screenshots/ (headless Chromium)
.PHONY: screenshots
screenshots:
	CCH_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -tags $(TAGS) -count=1 -run '^TestScreenshots$$' ./dashboards/
