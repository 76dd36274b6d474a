#!/usr/bin/env bash
# bench-ensemble: a 3-server zen ensemble and a 3-server Apache ZooKeeper
# ensemble (Debian's 3.8) on 127.0.0.1, each server with its own data dir on
# the same disk and the same zoo.cfg settings (forceSync=yes, tickTime 2000,
# initLimit 10, syncLimit 5, maxClientCnxns=0), driven by the same `zen
# bench` runs, alternating between the two ensembles. Then, for each
# ensemble: a follower's catch-up after being down for N writes, and
# failover (leader kill -9 -> first write acked by a survivor), repeated.
# Writes every run's JSON, a markdown table (results.md), a JSON summary and
# an HTML report to the results dir, and prints the table.
#
# Environment overrides:
#   BENCH_QUICK=1            short runs, fewer repeats (about 4 minutes)
#   BENCH_DURATION=10s       measured time per run       (quick: 3s)
#   BENCH_WARMUP=2s          unmeasured warm-up per run  (quick: 1s)
#   BENCH_JIT_WARMUP=30s     mixed:90 64x8 against each ensemble first (quick: 10s; 0 = none)
#   BENCH_MATRIX="set@1x1 set@64x1 set@64x8 get@64x8 get-followers@64x8 mixed:90@64x8"
#                            entries workload@CLIENTSxINFLIGHT; sessions spread over all
#                            three servers, except get-followers (the two followers only)
#   BENCH_CATCHUP_N=100000   writes (creates of 100 B) while a follower is down (quick: 20000; 0 = skip)
#   BENCH_FAILOVERS=3        leader kills per ensemble (quick: 2; 0 = skip)
#   BENCH_VALUE_SIZE=100     bytes per value;  BENCH_KEYS=10000  key space
#   BENCH_OUT=dir            results dir (default bench/results/ensemble-<UTC time>)
#   BENCH_DIR=dir            where the servers' data goes (default a new temp dir, removed at the end)
#   BENCH_ZK_HEAP=1000m      each ZooKeeper server's -Xmx
#   BENCH_SYSTEMS="zookeeper zen"  which ensembles to run
#   ZEN_BIN=path             use this zen binary instead of building one
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BENCH_NAME=bench-ensemble
# shellcheck source=bench-lib.sh
. "$ROOT/scripts/bench-lib.sh"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
  DURATION=${BENCH_DURATION:-3s}
  WARMUP=${BENCH_WARMUP:-1s}
  JIT=${BENCH_JIT_WARMUP:-10s}
  CATCHUP_N=${BENCH_CATCHUP_N:-20000}
  FAILOVERS=${BENCH_FAILOVERS:-2}
else
  DURATION=${BENCH_DURATION:-10s}
  WARMUP=${BENCH_WARMUP:-2s}
  JIT=${BENCH_JIT_WARMUP:-30s}
  CATCHUP_N=${BENCH_CATCHUP_N:-100000}
  FAILOVERS=${BENCH_FAILOVERS:-3}
fi
MATRIX=${BENCH_MATRIX:-"set@1x1 set@64x1 set@64x8 get@64x8 get-followers@64x8 mixed:90@64x8"}
VALUE=${BENCH_VALUE_SIZE:-100}
KEYS=${BENCH_KEYS:-10000}
ZK_HEAP=${BENCH_ZK_HEAP:-1000m}
SYSTEMS=${BENCH_SYSTEMS:-"zookeeper zen"}
OUT=${BENCH_OUT:-$ROOT/bench/results/ensemble-$(date -u +%Y%m%d-%H%M%S)}
N=3

case " $SYSTEMS " in *" zookeeper "*) ensure_zookeeper ;; esac

mkdir -p "$OUT/json" "$OUT/logs" "$OUT/warmup"
if [ -n "${BENCH_DIR:-}" ]; then
  WORK=$BENCH_DIR
  mkdir -p "$WORK"
  KEEP_WORK=1
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/zen-bench-ensemble.XXXXXX")
  KEEP_WORK=0
fi
if [ -n "${ZEN_BIN:-}" ]; then
  ZEN=$ZEN_BIN
else
  ZEN=$WORK/bin/zen
  log "building zen"
  go build -o "$ZEN" ./cmd/zen
fi

# Per system s and member i (1..3): CPORT_s_i, PPORT_s_i, EPORT_s_i, PID_s_i.
for s in $SYSTEMS; do
  for i in $(seq $N); do
    alloc_port "CPORT_${s}_$i"
    alloc_port "PPORT_${s}_$i"
    alloc_port "EPORT_${s}_$i"
    printf -v "PID_${s}_$i" '%s' ""
  done
done
var() { local n="$1"; echo "${!n}"; }
addr() { echo "127.0.0.1:$(var "CPORT_$1_$2")"; } # system member
pid() { var "PID_$1_$2"; }

cleanup() {
  local s i
  for s in $SYSTEMS; do
    for i in $(seq $N); do stop_pid "$(pid "$s" "$i")"; done
  done
  if [ "$KEEP_WORK" = 0 ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

write_cfg() { # system member — the same settings for both systems
  local s=$1 i=$2 dir=$WORK/$1/z$2 j
  mkdir -p "$dir/data"
  echo "$i" >"$dir/data/myid"
  {
    echo "tickTime=2000"
    echo "initLimit=10"
    echo "syncLimit=5"
    echo "dataDir=$dir/data"
    echo "clientPort=$(var "CPORT_${s}_$i")"
    echo "clientPortAddress=127.0.0.1"
    echo "maxClientCnxns=0"
    echo "forceSync=yes"
    echo "admin.enableServer=false"
    echo "4lw.commands.whitelist=*"
    for j in $(seq $N); do
      echo "server.$j=127.0.0.1:$(var "PPORT_${s}_$j"):$(var "EPORT_${s}_$j")"
    done
  } >"$dir/zoo.cfg"
}

start_member() { # system member
  local s=$1 i=$2 dir=$WORK/$1/z$2
  if [ "$s" = zen ]; then
    "$ZEN" server --config "$dir/zoo.cfg" >>"$OUT/logs/$s-z$i.log" 2>&1 &
  else
    java "-Xmx$ZK_HEAP" -cp "$ZK_CP" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
      org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" >>"$OUT/logs/$s-z$i.log" 2>&1 &
  fi
  printf -v "PID_${s}_$i" '%s' "$!"
}

all_addrs() { # system → comma list of every member's client address
  local s=$1 i out=""
  for i in $(seq $N); do out="$out,$(addr "$s" "$i")"; done
  echo "${out#,}"
}
all_pids() {
  local s=$1 i out=""
  for i in $(seq $N); do out="$out,$(pid "$s" "$i")"; done
  echo "${out#,}"
}
leader_of() { # system → member number of the leader (waits up to 60 s)
  local s=$1 i try mode
  for try in $(seq 600); do
    for i in $(seq $N); do
      mode=$( (exec 3<>"/dev/tcp/127.0.0.1/$(var "CPORT_${s}_$i")" && printf srvr >&3 && cat <&3) 2>/dev/null |
        sed -n 's/^Mode: //p' || true)
      if [ "$mode" = leader ]; then
        echo "$i"
        return
      fi
    done
    sleep 0.1
  done
  log "no leader in the $s ensemble"
  return 1
}
zxid_of() { # system member → the member's srvr Zxid (e.g. 0x100000abc)
  (exec 3<>"/dev/tcp/127.0.0.1/$(var "CPORT_$1_$2")" && printf srvr >&3 && cat <&3) 2>/dev/null | sed -n 's/^Zxid: //p'
}
wait_all() { # system: every member serves
  "$ZEN" bench wait -servers "$(all_addrs "$1")" -timeout 180s -label "$1" >/dev/null
}

log "data under $WORK; results in $OUT"
for s in $SYSTEMS; do
  for i in $(seq $N); do
    write_cfg "$s" "$i"
    start_member "$s" "$i"
  done
done
for s in $SYSTEMS; do
  wait_all "$s"
  log "$s ensemble: $(all_addrs "$s") (pids $(all_pids "$s")), leader z$(leader_of "$s")"
done

PROGRESS=-progress=false
if [ -t 2 ]; then PROGRESS=-progress=true; fi

bench_run() { # system workload clients inflight out [extra flags...]
  local s=$1 wl=$2 c=$3 i=$4 out=$5
  shift 5
  "$ZEN" bench -workload "$wl" -label "$s" -clients "$c" -inflight "$i" -duration "$DURATION" -warmup "$WARMUP" \
    -value-size "$VALUE" -keys "$KEYS" "$PROGRESS" -out "$out" "$@" | tee -a "$OUT/logs/bench.log"
}

if [ "$JIT" != 0 ] && [ "$JIT" != 0s ]; then
  for s in $SYSTEMS; do
    log "warm-up ($JIT of mixed:90 64x8) against $s"
    DURATION=$JIT bench_run "$s" mixed:90 64 8 "$OUT/warmup/$s.json" \
      -servers "$(all_addrs "$s")" -pids "$(all_pids "$s")" >/dev/null
  done
fi

n=0
for e in $MATRIX; do
  wl=${e%@*}
  shape=${e#*@}
  c=${shape%x*}
  i=${shape#*x}
  if [ $((n % 2)) = 0 ]; then order="$SYSTEMS"; else order=$(echo "$SYSTEMS" | awk '{for (i = NF; i > 0; i--) printf "%s ", $i}'); fi
  for s in $order; do
    if [ "$wl" = get-followers ]; then
      l=$(leader_of "$s")
      servers="" pids=""
      for m in $(seq $N); do
        [ "$m" = "$l" ] && continue
        servers="$servers,$(addr "$s" "$m")"
        pids="$pids,$(pid "$s" "$m")"
      done
      set -- -servers "${servers#,}" -pids "${pids#,}" -case "get on followers ${c}x$i"
      w=get
    else
      set -- -servers "$(all_addrs "$s")" -pids "$(all_pids "$s")"
      w=$wl
    fi
    log "[$((n + 1))] $wl ${c}x$i against the $s ensemble"
    bench_run "$s" "$w" "$c" "$i" "$(printf '%s/json/%03d-%s.json' "$OUT" "$n" "$s")" "$@" ||
      log "run failed (exit $?): $wl ${c}x$i against $s"
  done
  n=$((n + 1))
done

# --- a follower down for CATCHUP_N writes, then back --------------------------
if [ "$CATCHUP_N" != 0 ]; then
  for s in $SYSTEMS; do
    l=$(leader_of "$s")
    f=$((l % N + 1))
    log "$s: stopping follower z$f, loading $CATCHUP_N nodes through the others"
    stop_pid "$(pid "$s" "$f")"
    servers=""
    for m in $(seq $N); do [ "$m" != "$f" ] && servers="$servers,$(addr "$s" "$m")"; done
    "$ZEN" bench -workload "load:$CATCHUP_N" -label "$s" -clients 32 -inflight 8 -value-size "$VALUE" \
      -servers "${servers#,}" -root "/zen-bench-catchup" -case "load $CATCHUP_N, one follower down" \
      -progress=false -out "$OUT/json/catchup-load-$s.json" | tee -a "$OUT/logs/bench.log"
    target=$(zxid_of "$s" "$(leader_of "$s")")
    log "$s: restarting z$f, waiting for zxid $target"
    t0=$(date +%s%N)
    start_member "$s" "$f"
    "$ZEN" bench wait -servers "$(addr "$s" "$f")" -zxid "$target" -since "$t0" -timeout 10m -label "$s" \
      -case "catch-up: follower down for $CATCHUP_N writes, restart to leader's zxid" \
      -out "$OUT/json/catchup-$s.json" | tee -a "$OUT/logs/bench.log"
    wait_all "$s"
  done
fi

# --- failover: SIGKILL the leader, time the first write a survivor acks --------
if [ "$FAILOVERS" != 0 ]; then
  for round in $(seq "$FAILOVERS"); do
    for s in $SYSTEMS; do
      l=$(leader_of "$s")
      servers=""
      for m in $(seq $N); do [ "$m" != "$l" ] && servers="$servers,$(addr "$s" "$m")"; done
      log "$s: failover $round, killing leader z$l (pid $(pid "$s" "$l"))"
      "$ZEN" bench failover -servers "${servers#,}" -kill "$(pid "$s" "$l")" -label "$s" \
        -out "$OUT/json/failover-$round-$s.json" | tee -a "$OUT/logs/bench.log" ||
        log "failover run failed against $s"
      { wait "$(pid "$s" "$l")"; } 2>/dev/null || true
      start_member "$s" "$l"
      wait_all "$s"
    done
  done
fi

# --- results -----------------------------------------------------------------
zk_version=$(dpkg-query -W -f='${Version}' zookeeper 2>/dev/null || echo unknown)
labels=$(echo "$SYSTEMS" | awk '{ for (i = NF; i > 0; i--) printf "%s%s", $i, (i > 1 ? "," : "") }')
{
  echo "## 3-node zen vs 3-node Apache ZooKeeper"
  echo
  echo "\`make bench-ensemble\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -sr)."
  echo "ZooKeeper $zk_version (Debian, -Xmx$ZK_HEAP each) and zen $(git rev-parse --short HEAD 2>/dev/null || echo '?'): three servers each on"
  echo "127.0.0.1, every server with its own data dir on the same disk, forceSync=yes, tickTime=2000, initLimit=10, syncLimit=5."
  echo "Both ensembles run at once (6 server processes on this machine); runs of $DURATION after $WARMUP of warm-up, alternating."
  echo "Sessions are spread over the three servers (writes from followers are forwarded to the leader), except"
  echo "\"get on followers\" (the two followers only). Server CPU per op and RSS are the sums over the servers in the run."
  echo "Catch-up: a follower stopped, $CATCHUP_N creates through the others, the follower restarted; time from its launch until"
  echo "its srvr Zxid reaches the leader's. Failover: \`zen bench failover\` SIGKILLs the leader and times the first"
  echo "setData a survivor acknowledges (a new session per attempt), $FAILOVERS times per ensemble."
  echo
} >"$OUT/results.md"
"$ZEN" bench table -labels "$labels" -json "$OUT/summary.json" "$OUT"/json/*.json >>"$OUT/results.md"
"$ZEN" bench report -labels "$labels" -title "3-node zen vs 3-node Apache ZooKeeper" -o "$OUT/report.html" "$OUT"/json/*.json
echo
cat "$OUT/results.md"
echo
log "results: $OUT/results.md, $OUT/summary.json, $OUT/report.html, runs in $OUT/json"
