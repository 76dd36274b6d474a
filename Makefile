# zen — see README.md
GO      ?= go
BIN     := bin/zen
DATE    := $(shell date -u '+%Y-%m-%d %H:%M UTC')
LDFLAGS := -X 'github.com/zen-coord/zen/engine.BuildDate=$(DATE)'

.PHONY: build run test test-short deps race vet fmt bench fuzz clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/zen

# A standalone server on 127.0.0.1:2181 with its data under ./data.
run: build
	mkdir -p data
	./$(BIN) server --config conf/zoo.cfg

deps:
	./scripts/install-test-deps.sh

# Every test: unit, end-to-end, client compatibility, differential against
# Apache ZooKeeper, crash and fault tests, all with the race detector.
test: deps vet
	$(GO) test -race -count=1 -timeout 40m ./...

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
