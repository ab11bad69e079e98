# snbench: a thin layer over the go tool. `make help` lists the targets.
GO      ?= go
PKGS    ?= ./...
OUT     ?=
BIN     ?= bin/snbench
FUZZTIME ?= 10s
# Minimizing an input that found new coverage (not a failure) is capped: at
# the default 60 s a 5 s run spent its whole budget minimizing one 1 KB
# input (compare FuzzParse: 10 executions in 20 s; 9091 in 10 s at 1 s).
FUZZMINTIME ?= 1s

.PHONY: help build test test-short examples bench run lint fuzz clean peers bench-baseline bench-compare bench-ab

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

build: ## build bin/snbench
	$(GO) build -trimpath -o $(BIN) ./cmd/snbench

# A binary built with -race sleeps 1 s as it exits (the race runtime's
# atexit_sleep_ms, time for other threads to report), and every node process
# a test starts is one: that was most of the suite's time (a 2000-task run of
# the five default topologies took 14.5 s, 1.7 s without the sleep). Races
# are still reported and still fail the binary (exit status 66). A GORACE of
# your own replaces this.
GORACE ?= atexit_sleep_ms=0
export GORACE

# Tests that assert timing bounds (a 1 ms wait measured within 5%, a rate
# held within 1%, open-loop latency within 100 us of the round trip) run on
# their own after the rest, so that other packages' tests running in
# parallel do not steal their CPU, and without the race detector, which
# slows every memory access several-fold: the bounds are about this
# machine, not about the instrumented binary. The race detector still runs
# the code they cover, through every other test of bench.
TIMING_TESTS = TestOpenLoopFixedWait|TestGeneratorHoldsRate|TestStallShowsInCorrectedLatency|TestCapacitySearch|TestOpenLoopLowLoad|TestFixedWaitKnownAnswer

test: ## run every test with the race detector (what CI runs), then the examples
	$(GO) test -race -count=1 -timeout 12m -skip '$(TIMING_TESTS)' $(PKGS)
	$(GO) test -count=1 -timeout 5m -run '$(TIMING_TESTS)' ./bench/
	$(MAKE) examples

# Each example under examples/ is a module of its own that uses snbench
# from outside, through its public API only (a replace to this checkout):
# its tests run, then its benchmarks once at a small size.
EXAMPLES = $(patsubst %/go.mod,%,$(wildcard examples/*/go.mod))

examples: ## test the example modules (custom workloads and topologies from outside)
	@for d in $(EXAMPLES); do \
	  echo "example $$d"; \
	  (cd $$d && $(GO) vet ./... && $(GO) test -race -count=1 -timeout 5m ./... && \
	   $(GO) test -count=1 -run '^$$' -bench . -benchtime 2000x -timeout 5m ./...) || exit 1; \
	done

test-short: ## run the quick tests: -short, without the race detector
	$(GO) test -short -count=1 $(PKGS)

bench: ## run the Go benchmarks of every topology
	$(GO) test -run '^$$' -bench . -benchtime 200000x ./bench/

run: ## run the default comparison, kept in results/<time>-<commit>/ (or OUT=DIR)
	$(GO) run ./cmd/snbench run $(if $(OUT),-o $(OUT))

lint: ## gofmt, go vet, staticcheck (pinned in go.mod) and go mod tidy -diff
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy'"; exit 1; }

# Go 1.26's fuzz coordinator can fail a target with a bare "context
# deadline exceeded" at the -fuzztime boundary when its workers are starved
# (golang/go#75804, fixed in Go 1.27), having found nothing. A target that
# fails that way and wrote no new crasher under testdata/fuzz is run once
# more; any other failure, or a second one, fails the run.
# The targets are found in the packages' test files (func FuzzX), not with
# `go test -list`, which builds every package's test binary to list it.
fuzz: ## run every fuzz target for $(FUZZTIME) each
	@$(GO) list -f '{{.ImportPath}} {{.Dir}}' $(PKGS) | while read -r pkg dir; do \
	  for f in $$(cat $$dir/*_test.go 2>/dev/null | sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p'); do \
	    echo "fuzz $$pkg $$f"; \
	    before=$$(ls $$dir/testdata/fuzz/$$f 2>/dev/null | wc -l); \
	    out=$$($(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINTIME) $$pkg 2>&1); rc=$$?; echo "$$out"; \
	    if [ $$rc -ne 0 ]; then \
	      after=$$(ls $$dir/testdata/fuzz/$$f 2>/dev/null | wc -l); \
	      if [ "$$before" = "$$after" ] && echo "$$out" | grep -q '^    context deadline exceeded$$'; then \
	        echo "fuzz $$f: the coordinator's deadline race (golang/go#75804), no crasher written: once more"; \
	        $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINTIME) $$pkg || exit 1; \
	      else exit 1; fi; \
	    fi; \
	  done; \
	done

clean: ## remove build outputs and local results
	rm -rf bin results

peers: build ## snbench next to the Python reference design and redis-benchmark, like for like: whole process and measured window, redis at equal in-flight depth (TASKS=1000000 REPS=3)
	bench/peers/peers.sh $(BIN)

# Regression checks (docs/regressions.md). bench-compare measures this tree
# and compares it with a baseline saved by bench-baseline; bench-ab builds
# $(BENCH_REF) and measures it and this tree in interleaved rounds, which
# keeps a change of machine load out of the comparison. Both exit 1 on a
# regression.
BENCH_FLAGS   ?= --topology goroutine,subprocess,tcp --workers 1,4 --tasks 200000
BENCH_REPS    ?= 10
BASELINE      ?= results/baseline
BENCH_REF     ?= main
COMPARE_FLAGS ?=

bench-baseline: build ## save this tree's benchmark as the baseline of bench-compare (BASELINE=results/baseline)
	$(BIN) run $(BENCH_FLAGS) --repetitions $(BENCH_REPS) --progress off -o $(BASELINE)

bench-compare: build ## benchmark this tree, compare it with the saved baseline; exit 1 on a regression
	@test -f $(BASELINE)/results.json || { echo "bench-compare: no $(BASELINE)/results.json: run 'make bench-baseline' on the base commit first" >&2; exit 2; }
	$(BIN) run $(BENCH_FLAGS) --repetitions $(BENCH_REPS) --progress off -o results/bench-new >/dev/null
	$(BIN) compare $(COMPARE_FLAGS) $(BASELINE)/results.json results/bench-new/results.json

bench-ab: build ## measure BENCH_REF (main) and this tree interleaved, compare; exit 1 on a regression
	rm -rf results/ab && mkdir -p results/ab
	git worktree add --detach results/ab/src $(BENCH_REF)
	$(GO) build -C results/ab/src -trimpath -o $(CURDIR)/results/ab/snbench-base ./cmd/snbench; \
	  status=$$?; git worktree remove --force results/ab/src; exit $$status
	bench/ab.sh -n $(BENCH_REPS) -o results/ab results/ab/snbench-base $(BIN) $(BENCH_FLAGS)
	$(BIN) compare $(COMPARE_FLAGS) 'results/ab/old/*/results.json' 'results/ab/new/*/results.json'
