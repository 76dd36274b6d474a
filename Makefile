# zen — see README.md
GO      ?= go
BIN     := bin/zen
DATE    := $(shell date -u '+%Y-%m-%d %H:%M UTC')
LDFLAGS := -X 'github.com/zen-coord/zen/engine.BuildDate=$(DATE)'

.PHONY: build run test test-ensemble test-short deps race vet fmt bench fuzz clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/zen

# A standalone server on 127.0.0.1:2181 with its data under ./data.
run: build
	mkdir -p data
	./$(BIN) server --config conf/zoo.cfg

deps:
	./scripts/install-test-deps.sh

# Every test: unit, end-to-end, client compatibility, differential against
# Apache ZooKeeper, crash and fault tests, all with the race detector; then
# the client suites again against each member kind of an ensemble.
test: deps vet
	$(GO) test -race -count=1 -timeout 40m ./...
	$(MAKE) --no-print-directory test-ensemble

# The standalone server's client suites against every member of an ensemble
# (3 voters, plus 1 observer for the observer runs): a follower or observer
# forwards writes to the leader and serves reads itself; all must answer
# clients as a standalone server does. One run per suite and member kind, in
# turn (they mostly wait on timers; side by side they starve the
# ensembles' 200 ms ticks on a small machine). About 15 minutes on 2 cores.
test-ensemble:
	# test/e2e (go-zookeeper and the raw client, every opcode, error, watch,
	# session, ACL, limit and 4lw): an in-process ensemble per test, the
	# suite talking to its leader, then a follower, then the observer.
	ZEN_E2E_TARGET=ensemble-leader $(GO) test -race -count=1 -timeout 30m ./test/e2e
	ZEN_E2E_TARGET=ensemble-follower $(GO) test -race -count=1 -timeout 30m ./test/e2e
	ZEN_E2E_TARGET=ensemble-observer $(GO) test -race -count=1 -timeout 30m ./test/e2e
	# test/diff (every scenario): that member of a zen ensemble against the
	# same member of an Apache ZooKeeper 3.8.0 ensemble, transcripts compared.
	ZEN_DIFF_TARGET=ensemble-leader $(GO) test -race -count=1 -timeout 30m ./test/diff
	ZEN_DIFF_TARGET=ensemble-follower $(GO) test -race -count=1 -timeout 30m ./test/diff
	ZEN_DIFF_TARGET=ensemble-observer $(GO) test -race -count=1 -timeout 30m ./test/diff
	# test/compat: kazoo's recipes and the C client against that member of
	# an ensemble of zen processes (the Java CLI comparisons stay standalone).
	ZEN_COMPAT_TARGET=ensemble-leader $(GO) test -race -count=1 -timeout 30m -run 'TestKazoo|TestCClient' ./test/compat
	ZEN_COMPAT_TARGET=ensemble-follower $(GO) test -race -count=1 -timeout 30m -run 'TestKazoo|TestCClient' ./test/compat
	ZEN_COMPAT_TARGET=ensemble-observer $(GO) test -race -count=1 -timeout 30m -run 'TestKazoo|TestCClient' ./test/compat

test-short:
	$(GO) test -count=1 -short ./...

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./proto ./tree ./wal ./engine

clean:
	rm -rf bin

# Apache ZooKeeper vs zen, same settings, same `zen bench` matrix, alternating
# runs; results in bench/results/<time>/ (BENCH_QUICK=1 for a short run; see
# the script for every override).
.PHONY: bench-compare bench-ensemble
bench-compare:
	./scripts/bench-compare.sh

# The same for a 3-node zen ensemble and a 3-node Apache ZooKeeper ensemble:
# writes at 1x1/64x1/64x8, reads on followers, a follower's catch-up after
# 100k writes, failover (leader kill -9 -> first acked write).
bench-ensemble:
	./scripts/bench-ensemble.sh

# A 3-server ensemble on 127.0.0.1 (clients 2181-2183, data in ./data/zN).
.PHONY: ensemble ensemble-stop ensemble-status
ensemble: build
	./scripts/ensemble.sh start

ensemble-stop:
	./scripts/ensemble.sh stop

ensemble-status:
	./scripts/ensemble.sh status
