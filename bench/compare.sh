#!/usr/bin/env bash
# Before/after: the project's bench_server at another git revision (REV) against the one of
# this checkout, in one run, so that a restructuring can be shown to cost nothing. Each
# scenario runs ROUNDS times per server, the two servers alternating, every run on a fresh
# server process; the table shows each side's median and the ratio now/before.
#
#   bash bench/compare.sh REV            # e.g. bash bench/compare.sh 992aa57
#   ROUNDS=5 bash bench/compare.sh REV
#
# REV is checked out in a temporary git worktree and built into its own target directory
# (kept in $BENCH_COMPARE_DIR, default /var/tmp/socketio-bench-compare, so a second run
# reuses it). Server on core 0, load (this checkout's bench-load) on core 1, loopback only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REV="${1:?usage: bash bench/compare.sh REV}"
ROUNDS="${ROUNDS:-3}"
ECHO_CLIENTS=50
ECHO_SECONDS=5
FANOUT_RECEIVERS=1000
FANOUT_ROUNDS=2000
IDLE_COUNT=5000
IDLE_HOLD=2
SERVER_CORE=0
LOAD_CORE=1
DIR="${BENCH_COMPARE_DIR:-/var/tmp/socketio-bench-compare}"

if [ "$(nproc)" -lt 2 ]; then
    echo "compare.sh: needs two cores" >&2
    exit 1
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "== building this checkout (release)"
cargo build --release --quiet -p socketio-examples --bin bench_server -p socketio-bench --bin bench-load
NOW_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"

commit="$(git rev-parse --verify "$REV^{commit}")"
tree="$DIR/tree-$commit"
if [ ! -d "$tree" ]; then
    mkdir -p "$DIR"
    git worktree add --detach "$tree" "$commit" >/dev/null
fi
echo "== building $REV ($commit) in $tree (release)"
(cd "$tree" && CARGO_TARGET_DIR="$DIR/target" cargo build --release --quiet -p socketio-examples --bin bench_server)
BEFORE_BIN="$DIR/target/release"

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# run_once <side> <binary dir> <scenario> <args...>: one load run against a fresh server;
# appends the load generator's output to $WORK/<side>.<scenario>.
run_once() {
    local side="$1" bin="$2" scenario="$3"
    shift 3
    local log="$WORK/server.log"
    : >"$log"
    PORT=0 taskset -c "$SERVER_CORE" "$bin/bench_server" >"$log" 2>&1 &
    SERVER_PID=$!
    local port
    port="$(listening_port "$log")"
    if [ -z "$port" ]; then
        echo "compare.sh: $side server did not start" >&2
        cat "$log" >&2
        exit 1
    fi
    timeout 120 taskset -c "$LOAD_CORE" "$NOW_BIN/bench-load" "$scenario" --port "$port" \
        --pid "$SERVER_PID" "$@" >"$WORK/last"
    stop_server
    cat "$WORK/last" >>"$WORK/$side.$scenario"
    echo "     $side: $(grep -o 'cpu_us_per_ack=[0-9.]*\|cpu_us_per_msg=[0-9.]*\|kb_per_conn=[0-9.]*' "$WORK/last" | tr '\n' ' ')"
}

scenario() {
    local name="$1"
    shift
    for round in $(seq 1 "$ROUNDS"); do
        echo "   $name round $round/$ROUNDS"
        run_once before "$BEFORE_BIN" "$name" "$@"
        run_once now "$NOW_BIN" "$name" "$@"
    done
}

echo "== $ROUNDS rounds per scenario, before ($REV) and now alternating"
scenario echo --clients "$ECHO_CLIENTS" --seconds "$ECHO_SECONDS"
scenario fanout --receivers "$FANOUT_RECEIVERS" --rounds "$FANOUT_ROUNDS"
scenario idle --count "$IDLE_COUNT" --hold "$IDLE_HOLD"

# median <side> <scenario> <key>: the median of a figure over the rounds.
median() {
    grep -o "$3=[0-9.]*" "$WORK/$1.$2" | cut -d= -f2 | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

row() {
    local b n
    b="$(median before "$2" "$3")"
    n="$(median now "$2" "$3")"
    awk -v l="$1" -v b="$b" -v n="$n" 'BEGIN {
        printf "%-44s %12s %12s %8s\n", l, b, n, (b > 0 ? sprintf("%.2f", n / b) : "n/a")
    }'
}

echo
echo "== medians of $ROUNDS rounds; ratio = now / before"
printf "%-44s %12s %12s %8s\n" "figure" "before" "now" "ratio"
row "echo ($ECHO_CLIENTS clients): server CPU us per ack" echo cpu_us_per_ack
row "echo ($ECHO_CLIENTS clients): acks/s" echo acks_per_s
row "fan-out ($FANOUT_RECEIVERS receivers): CPU us per message" fanout cpu_us_per_msg
row "fan-out ($FANOUT_RECEIVERS receivers): messages/s" fanout msgs_per_s
row "idle ($IDLE_COUNT connections): KB each" idle kb_per_conn
