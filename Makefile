# lvsd: build, test and lab entry points. `make test` and `make lab` install what they need.
SHELL := /bin/bash
NODE  ?= node
# Test files that run on the host kernel (unit, namespace and UML-wrapper suites). Files
# under a `guest/` folder run inside the User-Mode Linux kernel and are started by the
# wrapper suites, not here.
HOST_TESTS = $(shell find dist/test -name '*.test.js' -not -path '*/guest/*' 2>/dev/null | sort)
UNIT_TESTS = $(shell find dist/test/unit -name '*.test.js' 2>/dev/null | sort)

.PHONY: all deps build test test-unit lab clean bench-config bench-ipvs bench-checks bench-vrrp bench-metrics schema examples

# The native socket shim (native/lvsd_net.c, see src/net/README.md), rebuilt only when its
# sources are newer. node-gyp (a devDependency) compiles against the Node headers npm is
# configured for (`npm config get nodedir`), else the running node's prefix (/usr/include/node).
NATIVE = native/build/Release/lvsd_net.node

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@$(MAKE) --no-print-directory $(NATIVE)
	@npx tsc -p tsconfig.json
	@chmod +x dist/src/cli/main.js
	@$(MAKE) --no-print-directory $(BUNDLE)

# The `lvsd` program operators run: the CLI bundled into one file by scripts/bundle.mjs (esbuild;
# starts in about half the time of ~150 separate modules). Node's built-ins and the netlink package
# stay outside and load when the bundled module that uses them is first initialised (a check-only
# start loads no HTTP, TLS, metrics or VRRP code); the source is minified (names kept). Beside it,
# $(BUNDLE).cache: V8's compiled code for it, made by a training run (check-config) of the new bundle.
BUNDLE = dist/src/cli/lvsd.mjs
$(BUNDLE): $(shell find src -name '*.ts') package.json scripts/bundle.mjs
	@$(NODE) scripts/bundle.mjs $(BUNDLE)
	@chmod +x $(BUNDLE)

# Every suite: unit (pure), namespaces (root), UML (IPVS kernel). One runner, one summary.
# A file whose tests are done but which keeps a handle open must not hang the run
# (--test-force-exit), nor may one test run past 10 minutes (--test-timeout).
TEST_FLAGS = --test-concurrency=1 --test-force-exit --test-timeout=600000

test: build
	@$(NODE) --test $(TEST_FLAGS) $(HOST_TESTS)

test-unit: build
	@$(NODE) --test --test-force-exit $(UNIT_TESTS)

lab: build
	@$(NODE) dist/test/lab/demo/main.js

# Benchmarks (not part of `make test`): each prints lvsd's figures beside keepalived's.
bench-config: build
	@$(NODE) dist/bench/config-parse.js

bench-ipvs: build
	@$(NODE) dist/bench/ipvs-program.js

bench-checks: build
	@$(NODE) dist/bench/check-probes.js --uml

bench-vrrp: build
	@$(NODE) dist/bench/vrrp-failover.js

bench-metrics: build
	@$(NODE) dist/bench/metrics-scrape.js

# The published JSON Schema of the YAML form, and the YAML twins of configs/*/*.conf.
schema: build
	@$(NODE) dist/src/cli/main.js schema > schema/lvsd-config.schema.json

examples: build
	@for f in configs/*/*.conf; do $(NODE) dist/src/cli/main.js convert $$f --schema ../../schema/lvsd-config.schema.json > $${f%.conf}.yaml; done

clean:
	rm -rf dist native/build

$(NATIVE): native/lvsd_net.c native/lvsd_probes.c native/lvsd_stream.h native/lvsd_stream_js.h native/binding.gyp
	@nd=$$(npm config get nodedir 2>/dev/null); \
	case "$$nd" in ""|undefined|null) nd=$$(dirname "$$(dirname "$$(command -v $(NODE))")");; esac; \
	cd native && npx --no-install node-gyp rebuild --nodedir="$$nd" --loglevel=warn
