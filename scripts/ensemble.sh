#!/usr/bin/env bash
# Starts or stops a 3-server zen ensemble on 127.0.0.1: clients on
# 2181-2183, peers on 2888-2890, data under ./data/z1..z3 (each with its own
# zoo.cfg, myid, log file and pid file).
#
#   scripts/ensemble.sh start    # build first: make build
#   scripts/ensemble.sh status
#   scripts/ensemble.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ZEN_BIN:-./bin/zen}
N=${ZEN_ENSEMBLE_SIZE:-3}

servers() {
  local i
  for i in $(seq 1 "$N"); do
    echo "server.$i=127.0.0.1:$((2887 + i)):$((3887 + i))"
  done
}

start() {
  [ -x "$BIN" ] || { echo "no $BIN: run make build" >&2; exit 1; }
  for i in $(seq 1 "$N"); do
    dir=data/z$i
    mkdir -p "$dir"
    echo "$i" > "$dir/myid"
    {
      echo "tickTime=2000"
      echo "initLimit=10"
      echo "syncLimit=5"
      echo "dataDir=$dir"
      echo "clientPort=$((2180 + i))"
      echo "clientPortAddress=127.0.0.1"
      echo "4lw.commands.whitelist=*"
      echo "metricsProvider.httpPort=$((6999 + i))"
      echo "metricsProvider.httpHost=127.0.0.1"
      servers
    } > "$dir/zoo.cfg"
    if [ -f "$dir/zen.pid" ] && kill -0 "$(cat "$dir/zen.pid")" 2>/dev/null; then
      echo "z$i already running (pid $(cat "$dir/zen.pid"))"
      continue
    fi
    nohup "$BIN" server --config "$dir/zoo.cfg" >> "$dir/zen.log" 2>&1 &
    echo $! > "$dir/zen.pid"
    echo "started z$i (pid $!, client 127.0.0.1:$((2180 + i)), log $dir/zen.log)"
  done
  for i in $(seq 1 "$N"); do
    for _ in $(seq 1 150); do
      if out=$(exec 3<>/dev/tcp/127.0.0.1/$((2180 + i)) && printf srvr >&3 && cat <&3) 2>/dev/null \
         && grep -q '^Mode:' <<<"$out"; then
        echo "z$i: $(grep '^Mode:' <<<"$out")"
        break
      fi
      sleep 0.2
    done
  done
}

status() {
  for i in $(seq 1 "$N"); do
    out=$( (exec 3<>/dev/tcp/127.0.0.1/$((2180 + i)) && printf srvr >&3 && cat <&3) 2>/dev/null || true)
    echo "z$i: $(grep -E '^(Mode|Zxid):' <<<"$out" | tr '\n' ' ' || echo down)"
  done
}

stop() {
  for i in $(seq 1 "$N"); do
    pidf=data/z$i/zen.pid
    [ -f "$pidf" ] || continue
    pid=$(cat "$pidf")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      echo "stopped z$i (pid $pid)"
    fi
    rm -f "$pidf"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
