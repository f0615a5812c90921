#!/usr/bin/env bash
# Issue 17: counts instead of times. On a shared two-core machine a server's CPU time per
# unit of work moves 20-40 % between runs (`bench/run.sh`'s rounds), more than the
# differences left between us and socketioxide; two counts do not move with the load:
#
#   Ir      user-space instructions per unit (callgrind): the server is run under
#           valgrind twice with the same load generator arguments, a short and a long run,
#           and the difference of the two totals is divided by the difference of the units
#           of work, so that start-up, connects and shutdown cancel out;
#   calls   system calls per unit (`perf trace -s` attached to a native run), which is
#           where the kernel's share of a unit comes from, with the busiest calls named.
#
#   bash bench/count.sh                               # echo polling4 connect; ours and sx
#   SCENARIOS="polling4" SERVERS="ours" bash bench/count.sh
#
# Scenarios: echo (50 clients), polling4 (Socket.IO 4 polling echo, 50 clients), polling09
# (0.9 xhr-polling echo; ours only), connect (bench-load connect: N sequential, then N with
# 50 in flight; a unit is one connect). Servers: ours (examples' bench_server), sx (the
# socketioxide peer, built by bench/run.sh into target/bench-peers), bare (bench-baseline,
# or bench-baseline-polling for the polling echoes; its `calls` only: under valgrind the
# bare WebSocket server spends some 260,000 instructions per message zeroing tungstenite's
# 128 KiB read buffer, so its Ir is left out), bare4k (the same with a 4 KiB read buffer,
# as run.sh's peer of that name; echo and connect).
#
# Needs valgrind and perf (Debian: valgrind, linux-perf) and root or
# kernel.perf_event_paranoid <= -1 for `perf trace`; the calls column shows "-"
# without them. Servers on core 0, bench-load on core 1, as in run.sh. Under valgrind a
# server does about a fiftieth of its native work per second, which changes how requests
# batch: the counts compare servers with each other, not with run.sh's times. About two
# and a half minutes for the default set (after the builds).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SCENARIOS="${SCENARIOS:-echo polling4 connect}"
SERVERS="${SERVERS:-ours sx}"
SHORT=2
LONG=6
CONNECT_SHORT=500
CONNECT_LONG=1500

command -v valgrind >/dev/null || { echo "count.sh: valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
TRACE=1
if ! command -v perf >/dev/null || ! perf trace -s -o /dev/null -- true >/dev/null 2>&1; then
    echo "count.sh: perf trace is not usable here: system calls not counted" >&2
    TRACE=0
fi

echo "== building (release)"
cargo build --release --quiet -p socketio-examples --bin bench_server -p socketio-bench \
    --bin bench-load --bin bench-baseline --bin bench-baseline-polling
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"
PEER_TARGET_DIR="${PEER_TARGET_DIR:-${CARGO_TARGET_DIR:-$ROOT/target}/bench-peers}"
case " $SERVERS " in
*" sx "*)
    echo "== building the socketioxide peer (release, into $PEER_TARGET_DIR)"
    CARGO_TARGET_DIR="$PEER_TARGET_DIR" cargo build --release --quiet --locked \
        --manifest-path bench/peers/socketioxide/Cargo.toml
    ;;
esac

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# command_of <server> <scenario>: the server's command line.
command_of() {
    case "$1.$2" in
    ours.*) echo "$BIN/bench_server" ;;
    sx.*) echo "$PEER_TARGET_DIR/release/bench-peer-socketioxide" ;;
    bare.polling4 | bare.polling09) echo "$BIN/bench-baseline-polling" ;;
    bare.* | bare4k.*) echo "$BIN/bench-baseline" ;;
    esac
}

# load_args <scenario> <size>: bench-load's arguments for a run of that size.
load_args() {
    case "$1" in
    echo) echo "echo --clients 50 --seconds $2" ;;
    polling4) echo "polling4 --clients 50 --seconds $2" ;;
    polling09) echo "polling09 --clients 50 --seconds $2" ;;
    connect) echo "connect --count $2 --concurrency 50" ;;
    esac
}

# units <scenario> <size> <bench-load output>: the units of work a run did.
units() {
    case "$1" in
    connect) echo $(($2 * 2)) ;;
    *) tr ' ' '\n' <<<"$3" | sed -n 's/^acks=//p' | tail -n 1 ;;
    esac
}

# start <prefix...>: starts the server (under the given prefix command) on a free port;
# $READ_BUFFER is the bare4k server's (run.sh's peer of that name).
start() {
    : >"$WORK/server.log"
    PORT=0 taskset -c 0 "$@" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    # valgrind starts slowly: longer than the native servers' 5 s.
    PORT="$(listening_port "$WORK/server.log" 15)"
    [ -n "$PORT" ] || { echo "count.sh: the server did not start:" >&2; cat "$WORK/server.log" >&2; exit 1; }
}

# read_buffer_of <server>: bare4k's tungstenite read buffer in the environment, or none.
read_buffer_of() {
    if [ "$1" = bare4k ]; then export READ_BUFFER=4096; else unset READ_BUFFER; fi
}

# instructions <server> <scenario> <size>: "Ir units" of one run under callgrind.
instructions() {
    local out="$WORK/callgrind.out" args output
    read_buffer_of "$1"
    start valgrind --tool=callgrind --callgrind-out-file="$out" "$(command_of "$1" "$2")"
    read -r -a args <<<"$(load_args "$2" "$3")"
    output="$(timeout 300 taskset -c 1 "$BIN/bench-load" "${args[@]}" --port "$PORT" | tail -n 1)"
    # SIGINT: the servers exit normally on it, and callgrind writes its totals then.
    kill -INT "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    stop_server
    echo "$(sed -n 's/^summary: //p' "$out" | head -n 1) $(units "$2" "$3" "$output")"
}

# calls <server> <scenario>: "calls-per-unit busiest..." of one native run under perf trace.
calls() {
    local args output n
    read_buffer_of "$1"
    start "$(command_of "$1" "$2")"
    perf trace -s -p "$SERVER_PID" -o "$WORK/trace" 2>/dev/null &
    local tracer=$!
    sleep 1
    read -r -a args <<<"$(load_args "$2" "$([ "$2" = connect ] && echo 2000 || echo 3)")"
    output="$(timeout 300 taskset -c 1 "$BIN/bench-load" "${args[@]}" --port "$PORT" --pid "$SERVER_PID" | tail -n 1)"
    kill -INT "$tracer" 2>/dev/null || true
    wait "$tracer" 2>/dev/null || true
    stop_server
    n="$(units "$2" "$([ "$2" = connect ] && echo 2000 || echo 0)" "$output")"
    awk -v u="$n" '
        /^ *[a-z_0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+/ { c[$1] += $2; total += $2 }
        END {
            printf "%.2f", total / u
            for (k in c) if (c[k] / u >= 0.2) printf " %s=%.2f", k, c[k] / u
            print ""
        }' "$WORK/trace"
}

printf '%-10s %-6s %12s %s\n' scenario server "Ir/unit" "system calls/unit (busiest)"
for scenario in $SCENARIOS; do
    for server in $SERVERS; do
        [ "$server" != ours ] && [ "$scenario" = polling09 ] && continue
        [ "$server" = bare4k ] && [ "$scenario" != echo ] && [ "$scenario" != connect ] && continue
        ir="-"
        if [ "$server" != bare ]; then
            if [ "$scenario" = connect ]; then
                short="$(instructions "$server" "$scenario" "$CONNECT_SHORT")"
                long="$(instructions "$server" "$scenario" "$CONNECT_LONG")"
            else
                short="$(instructions "$server" "$scenario" "$SHORT")"
                long="$(instructions "$server" "$scenario" "$LONG")"
            fi
            ir="$(awk '{ if ($4 > $2) printf "%.0f", ($3 - $1) / ($4 - $2); else print "-" }' <<<"$short $long")"
        fi
        syscalls="-"
        [ "$TRACE" = 1 ] && syscalls="$(calls "$server" "$scenario")"
        printf '%-10s %-6s %12s %s\n' "$scenario" "$server" "$ir" "$syscalls"
    done
done
