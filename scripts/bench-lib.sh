# Shared by bench-compare.sh and bench-ensemble.sh (sourced, not run).

ZK_CP=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar

# log msg...: a timestamped line on stderr, prefixed with $BENCH_NAME.
log() { printf '%s %s: %s\n' "$(date +%H:%M:%S)" "${BENCH_NAME:-bench}" "$*" >&2; }

# ensure_zookeeper: install Debian's zookeeper (and a JRE) when missing.
ensure_zookeeper() {
  if [ ! -f /usr/share/java/zookeeper.jar ] || ! command -v java >/dev/null 2>&1; then
    log "installing Debian's zookeeper"
    local sudo=""
    if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq zookeeper default-jre-headless >/dev/null
  fi
}

# stop_pid pid: SIGTERM, then SIGKILL after 30 s; reaps it.
stop_pid() {
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# alloc_port VAR: set VAR to a port nothing listens on and that this script
# did not hand out before; never the ones `make run` and `make ensemble` use.
USED_PORTS=" "
alloc_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    case $p in 2181 | 2182 | 2183 | 2191 | 2281 | 2888 | 2889 | 2890) continue ;; esac
    case $USED_PORTS in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      USED_PORTS="$USED_PORTS$p "
      printf -v "$1" '%s' "$p"
      return
    fi
  done
}
