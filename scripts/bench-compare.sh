#!/usr/bin/env bash
# bench-compare: Apache ZooKeeper (Debian's 3.8) and zen, started with the
# same zoo.cfg settings (forceSync=yes, tickTime 2000, maxClientCnxns=0, data
# on the same disk under one temp dir), driven by the same `zen bench` matrix,
# runs alternating between the two servers. Writes every run's JSON, a
# markdown table (results.md, for BENCHMARKS.md), a JSON summary and an HTML
# report to the results dir, and prints the table.
#
# Environment overrides:
#   BENCH_QUICK=1          reduced matrix, short runs (about 3 minutes)
#   BENCH_DURATION=10s     measured time per run      (quick: 3s)
#   BENCH_WARMUP=2s        unmeasured warm-up per run (quick: 1s)
#   BENCH_JIT_WARMUP=30s   mixed:90 64x8 against each server before the matrix (quick: 10s; 0 = none)
#   BENCH_MATRIX="get@16x1 lock@16 watch-fanout@16"  entries workload@CLIENTSxINFLIGHT
#                          (lock@N: N contenders; watch-fanout@N: N watchers)
#   BENCH_REPEAT=1         passes over the matrix (the table shows the median run)
#   BENCH_LOAD_N=200000    nodes for the load + restart test (quick: 20000; 0 = skip)
#   BENCH_LOAD_SHAPE=32x8  clients x inflight of the load
#   BENCH_VALUE_SIZE=100   bytes per value;  BENCH_KEYS=10000  key space
#   BENCH_OUT=dir          results dir (default bench/results/<UTC time>)
#   BENCH_DIR=dir          where the servers' data goes (default a new temp dir, removed at the end)
#   BENCH_ZK_HEAP=1000m    ZooKeeper's -Xmx (zkServer.sh's default)
#   ZEN_BIN=path           use this zen binary instead of building one
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
  DURATION=${BENCH_DURATION:-3s}
  WARMUP=${BENCH_WARMUP:-1s}
  JIT=${BENCH_JIT_WARMUP:-10s}
  LOAD_N=${BENCH_LOAD_N:-20000}
  MATRIX=${BENCH_MATRIX:-"get@16x1 set@16x1 create@16x1 mixed:90@16x1 get@64x8 mixed:90@64x8 lock@16 watch-fanout@16"}
else
  DURATION=${BENCH_DURATION:-10s}
  WARMUP=${BENCH_WARMUP:-2s}
  JIT=${BENCH_JIT_WARMUP:-30s}
  LOAD_N=${BENCH_LOAD_N:-200000}
  m=""
  for wl in get set create mixed:90; do
    for shape in 1x1 16x1 64x1 64x8; do m="$m $wl@$shape"; done
  done
  MATRIX=${BENCH_MATRIX:-"$m lock@1 lock@16 lock@64 watch-fanout@16 watch-fanout@64"}
fi
REPEAT=${BENCH_REPEAT:-1}
LOAD_SHAPE=${BENCH_LOAD_SHAPE:-32x8}
VALUE=${BENCH_VALUE_SIZE:-100}
KEYS=${BENCH_KEYS:-10000}
ZK_HEAP=${BENCH_ZK_HEAP:-1000m}
OUT=${BENCH_OUT:-$ROOT/bench/results/$(date -u +%Y%m%d-%H%M%S)}
BENCH_NAME=bench-compare
# shellcheck source=bench-lib.sh
. "$ROOT/scripts/bench-lib.sh"

# --- Apache ZooKeeper -------------------------------------------------------
ensure_zookeeper

# --- work dir, zen binary ----------------------------------------------------
mkdir -p "$OUT/json" "$OUT/logs" "$OUT/warmup"
if [ -n "${BENCH_DIR:-}" ]; then
  WORK=$BENCH_DIR
  mkdir -p "$WORK"
  KEEP_WORK=1
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/zen-bench-compare.XXXXXX")
  KEEP_WORK=0
fi
if [ -n "${ZEN_BIN:-}" ]; then
  ZEN=$ZEN_BIN
else
  ZEN=$WORK/bin/zen
  log "building zen"
  go build -o "$ZEN" ./cmd/zen
fi

ZK_PID=""
ZEN_PID=""
cleanup() {
  stop_pid "$ZK_PID"
  stop_pid "$ZEN_PID"
  if [ "$KEEP_WORK" = 0 ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

write_cfg() { # dir port — the same settings for both servers
  mkdir -p "$1/data"
  cat >"$1/zoo.cfg" <<EOF
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$1/data
clientPort=$2
clientPortAddress=127.0.0.1
maxClientCnxns=0
forceSync=yes
admin.enableServer=false
4lw.commands.whitelist=*
EOF
}

alloc_port ZK_PORT
alloc_port ZEN_PORT
write_cfg "$WORK/zookeeper" "$ZK_PORT"
write_cfg "$WORK/zen" "$ZEN_PORT"
ZK_ADDR=127.0.0.1:$ZK_PORT
ZEN_ADDR=127.0.0.1:$ZEN_PORT

start_zk() {
  java "-Xmx$ZK_HEAP" -cp "$ZK_CP" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$WORK/zookeeper/zoo.cfg" >>"$OUT/logs/zookeeper.log" 2>&1 &
  ZK_PID=$!
}
start_zen() {
  "$ZEN" server --config "$WORK/zen/zoo.cfg" >>"$OUT/logs/zen.log" 2>&1 &
  ZEN_PID=$!
}
addr_of() { if [ "$1" = zen ]; then echo "$ZEN_ADDR"; else echo "$ZK_ADDR"; fi; }
pid_of() { if [ "$1" = zen ]; then echo "$ZEN_PID"; else echo "$ZK_PID"; fi; }

log "data under $WORK; results in $OUT"
start_zk
start_zen
"$ZEN" bench wait -servers "$ZK_ADDR" -timeout 120s -label zookeeper >/dev/null
"$ZEN" bench wait -servers "$ZEN_ADDR" -timeout 120s -label zen >/dev/null
log "zookeeper pid $ZK_PID on $ZK_ADDR, zen pid $ZEN_PID on $ZEN_ADDR"

# progress lines only when someone is watching
PROGRESS=-progress=false
if [ -t 2 ]; then PROGRESS=-progress=true; fi

bench_run() { # label workload clients inflight out [extra flags...]
  local label=$1 wl=$2 c=$3 i=$4 out=$5
  shift 5
  "$ZEN" bench -workload "$wl" -servers "$(addr_of "$label")" -pids "$(pid_of "$label")" -label "$label" \
    -clients "$c" -inflight "$i" -duration "$DURATION" -warmup "$WARMUP" -value-size "$VALUE" -keys "$KEYS" \
    "$PROGRESS" -out "$out" "$@" | tee -a "$OUT/logs/bench.log"
}

shape_of() { # entry → "workload clients inflight"
  local e=$1 wl shape
  wl=${e%@*}
  shape=${e#*@}
  if [ "$wl" = "$e" ]; then shape=16x1; fi
  case $shape in
    *x*) echo "$wl ${shape%x*} ${shape#*x}" ;;
    *) echo "$wl $shape 1" ;;
  esac
}

if [ "$JIT" != 0 ] && [ "$JIT" != 0s ]; then
  for label in zookeeper zen; do
    log "warm-up ($JIT of mixed:90 64x8) against $label"
    DURATION=$JIT bench_run "$label" mixed:90 64 8 "$OUT/warmup/$label.json" >/dev/null
  done
fi

n=0
for pass in $(seq "$REPEAT"); do
  for e in $MATRIX; do
    read -r wl c i <<<"$(shape_of "$e")"
    if [ $((n % 2)) = 0 ]; then order="zookeeper zen"; else order="zen zookeeper"; fi
    for label in $order; do
      log "[$((n + 1))] $wl ${c}x$i against $label (pass $pass)"
      bench_run "$label" "$wl" "$c" "$i" "$(printf '%s/json/%03d-%s.json' "$OUT" "$n" "$label")" ||
        log "run failed (exit $?): $wl ${c}x$i against $label"
    done
    n=$((n + 1))
  done
done

# --- load, then restart to serving --------------------------------------------
if [ "$LOAD_N" != 0 ]; then
  read -r _ lc li <<<"$(shape_of "load@$LOAD_SHAPE")"
  last=/zen-bench/load/n$(printf '%09d' $((LOAD_N - 1)))
  for label in zookeeper zen; do
    log "load $LOAD_N x $VALUE B into $label"
    bench_run "$label" "load:$LOAD_N" "$lc" "$li" "$OUT/json/load-$label.json" || log "load failed against $label"
    log "restarting $label"
    if [ "$label" = zen ]; then stop_pid "$ZEN_PID"; else stop_pid "$ZK_PID"; fi
    t0=$(date +%s%N)
    if [ "$label" = zen ]; then start_zen; else start_zk; fi
    "$ZEN" bench wait -servers "$(addr_of "$label")" -pids "$(pid_of "$label")" -label "$label" \
      -case "restart $LOAD_N" -path "$last" -since "$t0" -timeout 10m -out "$OUT/json/restart-$label.json" |
      tee -a "$OUT/logs/bench.log"
  done
fi

# --- results -----------------------------------------------------------------
zk_version=$(dpkg-query -W -f='${Version}' zookeeper 2>/dev/null || echo unknown)
{
  echo "## zen vs Apache ZooKeeper"
  echo
  echo "\`make bench-compare\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -sr)."
  echo "ZooKeeper $zk_version (Debian, -Xmx$ZK_HEAP) and zen $(git rev-parse --short HEAD 2>/dev/null || echo '?'), both standalone"
  echo "with forceSync=yes, tickTime=2000, maxClientCnxns=0, data on the same disk."
  echo "Runs of $DURATION after $WARMUP of warm-up, alternating between the servers; value $VALUE B, $KEYS keys;"
  echo "a $JIT mixed:90 64x8 warm-up against each server first. Shapes are clients×inflight; lock N = N contenders,"
  echo "watch-fanout N = N watchers. Latency from \`zen bench\` (HdrHistogram, from the intended send time);"
  echo "server CPU per op from /proc/PID/stat over the measured window; RSS is VmRSS at its end."
  echo
} >"$OUT/results.md"
"$ZEN" bench table -labels zen,zookeeper -json "$OUT/summary.json" "$OUT"/json/*.json >>"$OUT/results.md"
"$ZEN" bench report -labels zen,zookeeper -title "zen vs Apache ZooKeeper" -o "$OUT/report.html" "$OUT"/json/*.json
echo
cat "$OUT/results.md"
echo
log "results: $OUT/results.md, $OUT/summary.json, $OUT/report.html, runs in $OUT/json"
