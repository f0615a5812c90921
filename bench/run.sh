#!/usr/bin/env bash
# Issue 7: measures the project's server (examples' bench_server) against a bare
# tokio-tungstenite server doing the same wire work (bench-baseline), and prints the
# ratios project/baseline. The baseline runs twice: with tungstenite's default buffers
# (128 KiB read, 128 KiB write) and with the project's ("small": the runtime's
# rfc6455::READ_BUFFER and WRITE_BUFFER), each with its own ratio column. Then a Socket.IO
# 0.9 xhr-polling echo (bench-load polling09) against bench_server only: the baseline
# speaks Engine.IO 4 only, so those figures are printed as absolute numbers after the
# ratio table.
#
#   bash bench/run.sh
#
# Each server runs pinned to core 0, the load generator to core 1, loopback only. Every
# scenario gets a fresh server process (so RSS and CPU figures are its own). About a minute
# and a half after the build; every step is under `timeout`, and the trap stops whatever
# this script started.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ECHO_CLIENTS=50
ECHO_SECONDS=5
FANOUT_RECEIVERS=1000
FANOUT_ROUNDS=2000
IDLE_COUNT=5000
IDLE_HOLD=2
CONNECT_COUNT=5000
POLL09_CLIENTS=50
POLL09_SECONDS=5
SERVER_CORE=0
LOAD_CORE=1
# The project's tungstenite buffers (socketio-runtime/src/rfc6455.rs), for the baseline's
# second run.
SMALL_READ_BUFFER=4096
SMALL_WRITE_BUFFER=8192

if [ "$(nproc)" -lt 2 ]; then
    echo "run.sh: needs two cores (server on $SERVER_CORE, load on $LOAD_CORE)" >&2
    exit 1
fi
# 5000 idle connections take 5000 descriptors on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_COUNT + 1000)) ]; then
    echo "run.sh: ulimit -n is $(ulimit -n); need more than $((IDLE_COUNT + 1000))" >&2
    exit 1
fi

echo "== building (release)"
cargo build --release --quiet -p socketio-examples --bin bench_server -p socketio-bench \
    --bin bench-load --bin bench-baseline
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# start_server <server>: starts it on a free port (PORT=0), sets SERVER_PID and PORT.
# <server> is a binary name, or bench-baseline-small (the baseline with the project's
# buffers).
start_server() {
    local log="$WORK/server.log"
    : >"$log"
    local binary="$1" buffers=()
    if [ "$1" = bench-baseline-small ]; then
        binary=bench-baseline
        buffers=(READ_BUFFER="$SMALL_READ_BUFFER" WRITE_BUFFER="$SMALL_WRITE_BUFFER")
    fi
    # env execs the server in place, so $! is the server's own pid.
    PORT=0 taskset -c "$SERVER_CORE" env "${buffers[@]}" "$BIN/$binary" >"$log" 2>&1 &
    SERVER_PID=$!
    PORT="$(listening_port "$log")"
    [ -n "$PORT" ] && return 0
    echo "run.sh: $1 did not start:" >&2
    cat "$log" >&2
    exit 1
}

# load <server binary> <scenario> <args...>: a fresh server, one load run; prints and
# keeps the load generator's output in $WORK/<server>.<scenario>.
load() {
    local server="$1" scenario="$2"
    shift 2
    start_server "$server"
    local out="$WORK/$server.$scenario"
    if ! timeout 120 taskset -c "$LOAD_CORE" "$BIN/bench-load" "$scenario" --port "$PORT" \
        --pid "$SERVER_PID" "$@" >"$out"; then
        echo "run.sh: $scenario against $server failed" >&2
        cat "$out" "$WORK/server.log" >&2
        exit 1
    fi
    sed "s|^|  [$server] |" "$out"
    stop_server
}

# field <server> <scenario> <key> [line filter]: a key=value figure from a run's output.
field() {
    grep -e "${4:-}" "$WORK/$1.$2" | grep -o "$3=[0-9.]*" | tail -n 1 | cut -d= -f2
}

for server in bench_server bench-baseline bench-baseline-small; do
    echo "== $server"
    load "$server" echo --clients "$ECHO_CLIENTS" --seconds "$ECHO_SECONDS"
    load "$server" fanout --receivers "$FANOUT_RECEIVERS" --rounds "$FANOUT_ROUNDS"
    load "$server" idle --count "$IDLE_COUNT" --hold "$IDLE_HOLD"
    load "$server" connect --count "$CONNECT_COUNT"
done
echo "== bench_server, Socket.IO 0.9 xhr-polling (no baseline)"
load bench_server polling09 --clients "$POLL09_CLIENTS" --seconds "$POLL09_SECONDS"

row() {
    local label="$1" scenario="$2" key="$3" filter="${4:-}"
    local p b s
    p="$(field bench_server "$scenario" "$key" "$filter")"
    b="$(field bench-baseline "$scenario" "$key" "$filter")"
    s="$(field bench-baseline-small "$scenario" "$key" "$filter")"
    awk -v l="$label" -v p="$p" -v b="$b" -v s="$s" 'BEGIN {
        printf "%-44s %12s %12s %8s %12s %8s\n", l, p, b, (b > 0 ? sprintf("%.2f", p / b) : "n/a"),
            s, (s > 0 ? sprintf("%.2f", p / s) : "n/a")
    }'
}

echo
echo "== project (bench_server) / baseline (bare tokio-tungstenite); server on core $SERVER_CORE"
echo "   baseline: tungstenite's default buffers; small: the baseline with the project's"
echo "   (read $SMALL_READ_BUFFER, write $SMALL_WRITE_BUFFER bytes)"
printf "%-44s %12s %12s %8s %12s %8s\n" "figure" "project" "baseline" "ratio" "small" "ratio"
row "echo ($ECHO_CLIENTS clients): server CPU us per ack" echo cpu_us_per_ack
row "echo ($ECHO_CLIENTS clients): acks/s" echo acks_per_s
row "echo ($ECHO_CLIENTS clients): p99 latency us" echo p99_us
row "fan-out ($FANOUT_RECEIVERS receivers): CPU us per message" fanout cpu_us_per_msg
row "fan-out ($FANOUT_RECEIVERS receivers): messages/s" fanout msgs_per_s
row "idle ($IDLE_COUNT connections): KB each" idle kb_per_conn
row "connect, sequential: connects/s" connect connects_per_s mode=sequential
row "connect, 64 concurrent: connects/s" connect connects_per_s mode=concurrent
row "connect, concurrent: CPU us per connect" connect cpu_us_per_connect mode=concurrent

# absolute <label> <server> <scenario> <key>: one figure with no baseline to compare to.
absolute() {
    printf "%-44s %12s\n" "$1" "$(field "$2" "$3" "$4")"
}

echo
echo "== Socket.IO 0.9 xhr-polling, bench_server only (no 0.9 baseline; absolute figures)"
printf "%-44s %12s\n" "figure" "project"
absolute "polling09, $POLL09_CLIENTS clients: server CPU us per ack" bench_server polling09 cpu_us_per_ack
absolute "polling09, $POLL09_CLIENTS clients: acks/s" bench_server polling09 acks_per_s
absolute "polling09, $POLL09_CLIENTS clients: p50 latency us" bench_server polling09 p50_us
absolute "polling09, $POLL09_CLIENTS clients: p99 latency us" bench_server polling09 p99_us
absolute "polling09, $POLL09_CLIENTS clients: polls per ack" bench_server polling09 polls_per_ack
