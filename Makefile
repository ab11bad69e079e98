# snbench: a thin layer over the go tool. `make help` lists the targets.
GO      ?= go
PKGS    ?= ./...
OUT     ?= results/latest
BIN     ?= bin/snbench
FUZZTIME ?= 10s

.PHONY: help build test test-short bench run lint fuzz clean peers

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

build: ## build bin/snbench
	$(GO) build -trimpath -o $(BIN) ./cmd/snbench

test: ## run every test with the race detector (what CI runs)
	$(GO) test -race -count=1 -timeout 12m $(PKGS)

test-short: ## run the tests without the race detector
	$(GO) test -count=1 $(PKGS)

bench: ## run the Go benchmarks of every topology
	$(GO) test -run '^$$' -bench . -benchtime 200000x ./bench/

run: ## run the default comparison and write $(OUT)/results.json
	$(GO) run ./cmd/snbench run -o $(OUT)

lint: ## gofmt and go vet
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

fuzz: ## run every fuzz target for $(FUZZTIME) each
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean: ## remove build outputs and local results
	rm -rf bin results

peers: build ## snbench next to the Python reference design and redis-benchmark, with ratios
	bench/peers/peers.sh $(BIN)
