# Custom Events: `make run` starts the product with demo data, `make test`
# runs every test. Both start a private PostgreSQL under .pgdata/ unless
# DATABASE_URL is set.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.PHONY: build wasm server run test test-go check-wasm-deps chromium lint generate fuzz db-new pg-stop

VERSION ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo dev)
GO ?= go
WASM := static/web/app.wasm
# Packages the admin app's WASM build must never link: server code only.
SERVER_ONLY_DEPS := github.com/labstack/echo|github.com/uptrace/bun|github.com/lib/pq|github.com/99designs/gqlgen|customevents/db|customevents/api

# build: the WASM admin app, then the server binary that embeds it.
build: wasm server

# wasm: compile the admin app for the browser and write its gzip and brotli
# copies beside it, which the server sends to browsers that accept them.
wasm: check-wasm-deps
	GOOS=js GOARCH=wasm $(GO) build -trimpath -o $(WASM) ./wasm
	$(GO) run ./api/cmd/precompress $(WASM)

# server: compile bin/server with the WASM app embedded.
server:
	$(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o bin/server ./api/cmd/server

# check-wasm-deps: fail when the WASM build would import a server package.
check-wasm-deps:
	@if GOOS=js GOARCH=wasm $(GO) list -deps ./wasm | grep -E '$(SERVER_ONLY_DEPS)'; then \
		echo "check-wasm-deps: the WASM build imports the server packages listed above" >&2; exit 1; fi

# run: start the server on CE_ADDR (default localhost:8080) with demo data.
run: build
	DATABASE_URL="$${DATABASE_URL:-$$(db/localpg.sh ce_dev)}" \
	CE_LOG_FORMAT="$${CE_LOG_FORMAT:-text}" \
	CE_SEED_DEMO="$${CE_SEED_DEMO:-1}" \
	./bin/server

# chromium: install Debian's Chromium for the browser tests when missing.
chromium:
	@command -v chromium >/dev/null || { \
		echo "chromium: installing Debian's chromium package"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

# test: every test, against a real PostgreSQL and headless Chromium.
test: chromium wasm
	$(GO) vet ./...
	DATABASE_URL="$${DATABASE_URL:-$$(db/localpg.sh postgres)}" \
	$(GO) test -race -count=1 -timeout 30m ./...

# lint: vet and formatting.
lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "lint: run gofmt -w on the files above" >&2; exit 1; }

# generate: regenerate the GraphQL server code from api/graph/schema.graphqls.
generate:
	cd api/graph && $(GO) tool gqlgen generate --config gqlgen.yml

# fuzz: run each fuzz target for FUZZTIME (default 20s).
FUZZTIME ?= 20s
fuzz:
	$(GO) test ./app/apitype -run '^$$' -fuzz FuzzValidateSlug -fuzztime $(FUZZTIME)
	$(GO) test ./app/apitype -run '^$$' -fuzz FuzzNormalizeEmail -fuzztime $(FUZZTIME)
	$(GO) test ./app/apitype -run '^$$' -fuzz FuzzDecodePunycodeLabels -fuzztime $(FUZZTIME)
	$(GO) test ./app/apitype -run '^$$' -fuzz FuzzParseDateRange -fuzztime $(FUZZTIME)
	$(GO) test ./app/apitype -run '^$$' -fuzz FuzzParseMetadata -fuzztime $(FUZZTIME)
	$(GO) test ./app/apitype -run '^$$' -fuzz FuzzUTMFromURL -fuzztime $(FUZZTIME)
	$(GO) test ./app/apitype -run '^$$' -fuzz FuzzClassifyChannel -fuzztime $(FUZZTIME)
	$(GO) test ./app/apitype -run '^$$' -fuzz FuzzNormalizeAccountName -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz FuzzParseCollect -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz FuzzIdentifySignature -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz FuzzAcceptsEncoding -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz FuzzMatchBotRule -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz FuzzScriptlessSignal -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz FuzzCutURL -fuzztime $(FUZZTIME)
	$(GO) test ./api/graph/model -run '^$$' -fuzz FuzzParseDate -fuzztime $(FUZZTIME)
	$(GO) test ./api/graph/model -run '^$$' -fuzz FuzzUnmarshalTime -fuzztime $(FUZZTIME)
	$(GO) test ./api/graph -run '^$$' -fuzz FuzzDecodeBody -fuzztime $(FUZZTIME)
	$(GO) test ./api/graph -run '^$$' -fuzz FuzzDecodeURLParams -fuzztime $(FUZZTIME)
	$(GO) test ./api/graph -run '^$$' -fuzz FuzzTextProblem -fuzztime $(FUZZTIME)
	$(GO) test ./api/graph -run '^$$' -fuzz FuzzDocumentLoneSurrogate -fuzztime $(FUZZTIME)
	$(GO) test ./api/graph -run '^$$' -fuzz FuzzDuplicateKey -fuzztime $(FUZZTIME)
	$(GO) test ./app/page -run '^$$' -fuzz FuzzSafeNext -fuzztime $(FUZZTIME)
	$(GO) test ./app/page -run '^$$' -fuzz FuzzSuggestSlug -fuzztime $(FUZZTIME)
	$(GO) test ./app/page -run '^$$' -fuzz FuzzParseFieldPath -fuzztime $(FUZZTIME)
	$(GO) test ./db -run '^$$' -fuzz FuzzParseDrilldownCursor -fuzztime $(FUZZTIME)
	$(GO) test ./actions -run '^$$' -fuzz FuzzNotificationMessage -fuzztime $(FUZZTIME)
	$(GO) test ./app/segment -run '^$$' -fuzz FuzzParseSegment -fuzztime $(FUZZTIME)
	$(GO) test ./db -run '^$$' -fuzz FuzzParseContactCursor -fuzztime $(FUZZTIME)
	$(GO) test ./db -run '^$$' -fuzz FuzzParseTimelineCursor -fuzztime $(FUZZTIME)
	$(GO) test ./db -run '^$$' -fuzz FuzzParseLivePayload -fuzztime $(FUZZTIME)
	$(GO) test ./db -run '^$$' -fuzz FuzzNormalizeOrigin -fuzztime $(FUZZTIME)
	$(GO) test ./api/cmd/bench -run '^$$' -fuzz FuzzParseWrk -fuzztime $(FUZZTIME)
	$(GO) test ./api/cmd/bench -run '^$$' -fuzz FuzzParsePgbench -fuzztime $(FUZZTIME)
	$(GO) test ./api/cmd/bench -run '^$$' -fuzz FuzzParseProcStat -fuzztime $(FUZZTIME)
	$(GO) test ./api/cmd/bench -run '^$$' -fuzz FuzzParseCPULine -fuzztime $(FUZZTIME)
	$(GO) test ./api/envvar -run '^$$' -fuzz FuzzParseSwitch -fuzztime $(FUZZTIME)

# db-new: create an empty migration pair, as in `make db-new NAME=add_x`.
db-new:
	@test -n "$(NAME)" || { echo "db-new: set NAME, as in make db-new NAME=add_tags" >&2; exit 1; }
	@stamp="$$(date -u +%Y%m%d%H%M%S)"; \
	touch "db/migrations/$${stamp}_$(NAME).tx.up.sql" "db/migrations/$${stamp}_$(NAME).tx.down.sql"; \
	echo "created db/migrations/$${stamp}_$(NAME).tx.{up,down}.sql"

# pg-stop: stop the private PostgreSQL that run and test started.
pg-stop:
	db/localpg.sh --stop

# bench: run bench-beacon, bench-app, bench-ingest and bench-report. See
# docs/benchmarks.md.
.PHONY: bench bench-beacon bench-app bench-ingest bench-report
bench: bench-beacon bench-app bench-ingest bench-report

# bench-beacon: the size of /ma.js as served, raw, gzip and brotli, against
# the 2 KB gzip limit.
bench-beacon:
	$(GO) test ./api -run '^TestBeaconScriptSize$$' -count=1 -v 2>&1 | grep -E '/ma.js|^(ok|FAIL)'

# bench-ingest: measure ingest throughput with wrk and pgbench against the
# real server (installing Debian's wrk when missing). BENCH_FLAGS passes
# flags to the program, as in BENCH_FLAGS="-duration 30s".
BENCH_FLAGS ?=
bench-ingest:
	@command -v wrk >/dev/null || { \
		echo "bench: installing Debian's wrk package"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
	DATABASE_URL="$${DATABASE_URL:-$$(db/localpg.sh postgres)}" \
	$(GO) run ./api/cmd/bench $(BENCH_FLAGS)

# bench-app: WASM size (raw, gzip, brotli) and time to interactive, cold
# and warm, against a static page in the same browser.
bench-app: chromium wasm
	DATABASE_URL="$${DATABASE_URL:-$$(db/localpg.sh postgres)}" \
	$(GO) test ./api -run '^$$' -bench AdminAppLoad -benchtime 5x -v 2>&1 | grep -E '^(Benchmark|    app_load|ok|FAIL|PASS)'

# bench-report: seed 10 million events into a new database, time the report
# queries on the rollups and on the raw occurrences, and write the table into
# docs/benchmarks.md. REPORT_BENCH_FLAGS passes flags, as in
# REPORT_BENCH_FLAGS="-runs 100".
REPORT_BENCH_FLAGS ?=
bench-report:
	DATABASE_URL="$${DATABASE_URL:-$$(db/localpg.sh postgres)}" \
	$(GO) run ./api/cmd/reportbench -doc docs/benchmarks.md $(REPORT_BENCH_FLAGS)
