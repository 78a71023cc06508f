# lvsd: build, test and lab entry points. `make test` and `make lab` install what they need.
SHELL := /bin/bash
NODE  ?= node
# Test files that run on the host kernel (unit, namespace and UML-wrapper suites). Files
# under a `guest/` folder run inside the User-Mode Linux kernel and are started by the
# wrapper suites, not here.
HOST_TESTS = $(shell find dist/test -name '*.test.js' -not -path '*/guest/*' 2>/dev/null | sort)
UNIT_TESTS = $(shell find dist/test/unit -name '*.test.js' 2>/dev/null | sort)

.PHONY: all deps build test test-unit lab clean bench-config

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@npx tsc -p tsconfig.json
	@chmod +x dist/src/cli/main.js

# Every suite: unit (pure), namespaces (root), UML (IPVS kernel). One runner, one summary.
test: build
	@$(NODE) --test --test-concurrency=1 $(HOST_TESTS)

test-unit: build
	@$(NODE) --test $(UNIT_TESTS)

lab: build
	@$(NODE) dist/src/cli/main.js lab

bench-config: build
	@$(NODE) dist/bench/config-parse.js

clean:
	rm -rf dist
