#!/usr/bin/env bash
# Issues 7 and 17: measures the project's server (examples' bench_server, "ours") in one run
# with
#   bare   bench-baseline: a bare tokio-tungstenite server putting the same frames on the
#          wire (Engine.IO 4 framing, tungstenite's default buffers), no Socket.IO logic
#          (ours frames RFC 6455 itself: socketio-runtime/src/rfc6455/, not tungstenite);
#   sx     socketioxide from crates.io (bench/peers/socketioxide, its own workspace and
#          lock file, built here into $PEER_TARGET_DIR: the main workspace never compiles it);
#   node   Node's socket.io 4.8 from package.json (bench/peers/node/server.js);
# all serving the same events (echo, broadcast, join, room). Every scenario runs ROUNDS
# times per server, the servers taking turns, each run on a fresh server process; the table
# shows our median and its ratio to each other server's median (ours / theirs: below 1 is
# better for CPU and memory, above 1 for rates).
#
#   bash bench/run.sh
#   ROUNDS=5 PEERS="sx" bash bench/run.sh       # peers: any of "sx node bare4k" (default "sx node")
#   STATS_OFF=1 ONLY="echo fanout" PEERS="" bash bench/run.sh    # PEERS="": no peer
#
# The peer "bare4k" (PEERS="sx bare4k") is the bare server with a 4 KiB tungstenite read
# buffer instead of its default 128 KiB, which tungstenite zeroes before each read (a
# `memset`, nearly all of that server's instructions under callgrind): the bare floor
# without that cost, in the websocket scenarios (Engine.IO 4 framing, as "bare").
#
# STATS_OFF=1 adds the server "nostats": our bench_server built with socketio-runtime's
# `stats-off` feature (the statistics' counting compiled out), run in the echo and fan-out
# scenarios (4 and 0.9) in turn with the others; a last table gives ours / nostats, the
# cost of always-on statistics. ONLY="id ..." runs only those scenarios (ids below);
# FANOUT="--receivers 1000 --rounds 2000" gives the fan-out more rounds: its CPU per
# message follows how many frames each send carries, which drifts within a run, so short
# runs spread widely (500 rounds: 0.25-0.47 us per message for one binary; 2,000: within
# about 0.1 of each other at load 4). Not the default, to keep a round of the table short:
# Node delivers about 40,000 messages a second here, so 2,000 rounds take it some 50 s.
#
# Socket.IO 0.9 and SockJS rows are ours only (no peer here speaks 0.9 or serves SockJS);
# the websocket ones are also given as a ratio to the bare server's Engine.IO 4 figure of
# the same scenario (the same wire work: one text frame each way; a 0.9 connect does more:
# an HTTP handshake, then the WebSocket, two TCP connections to bare's one). The two polling
# echo rows' bare column is bench-baseline-polling instead (raw tokio + httparse,
# hand-written HTTP/1.1 keep-alive, the same answers on the wire, no Socket.IO logic: the
# HTTP floor); their "user" and "kernel" rows split the server's CPU (utime / stime of
# /proc).
#
# Servers run pinned to core 0, the load generator (bench-load) to core 1, loopback only.
# Every step is under `timeout`; the trap stops whatever this script started. About four
# minutes per round after the builds (Node is the slowest).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ROUNDS="${ROUNDS:-3}"
PEERS="${PEERS-sx node}"
ECHO="--clients 50 --seconds 5"
FANOUT="${FANOUT:---receivers 1000 --rounds 500}"
IDLE="--count 5000 --hold 2"
CONNECT="--count 2000 --concurrency 50"
ROOM="--sockets 10000 --members 1000 --rounds 300"
# The same room alone in its namespace: the room scenario's cost should not exceed it by
# much if the room index, not the socket map, bounds the walk.
ROOM_ALONE="--sockets 1000 --members 1000 --rounds 300"
POLL="--clients 50 --seconds 5"
POLL_FANOUT="--receivers 200 --rounds 500"
SERVER_CORE=0
LOAD_CORE=1

if [ "$(nproc)" -lt 2 ]; then
    echo "run.sh: needs two cores (server on $SERVER_CORE, load on $LOAD_CORE)" >&2
    exit 1
fi
# 10,000 connections (the room scenario) take as many descriptors on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 11000 ]; then
    echo "run.sh: ulimit -n is $(ulimit -n); need more than 11000" >&2
    exit 1
fi

if [ "${STATS_OFF:-0}" = 1 ]; then
    # Built first and copied aside: the plain build below then puts the usual binary back.
    echo "== building bench_server with the statistics compiled out (release, stats-off)"
    cargo build --release --quiet -p socketio-examples --bin bench_server \
        --features socketio-runtime/stats-off
    cp "${CARGO_TARGET_DIR:-$ROOT/target}/release/bench_server" \
        "${CARGO_TARGET_DIR:-$ROOT/target}/release/bench_server-stats-off"
fi
echo "== building (release)"
cargo build --release --quiet -p socketio-examples --bin bench_server -p socketio-bench \
    --bin bench-load --bin bench-baseline --bin bench-baseline-polling
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"
SERVERS="ours bare"
if [ "${STATS_OFF:-0}" = 1 ]; then
    if cmp -s "$BIN/bench_server" "$BIN/bench_server-stats-off"; then
        echo "run.sh: bench_server and bench_server-stats-off are the same binary" >&2
        exit 1
    fi
    SERVERS="$SERVERS nostats"
fi
for peer in $PEERS; do
    case "$peer" in
    sx)
        PEER_TARGET_DIR="${PEER_TARGET_DIR:-${CARGO_TARGET_DIR:-$ROOT/target}/bench-peers}"
        echo "== building the socketioxide peer (release, into $PEER_TARGET_DIR)"
        CARGO_TARGET_DIR="$PEER_TARGET_DIR" cargo build --release --quiet --locked \
            --manifest-path bench/peers/socketioxide/Cargo.toml
        ;;
    bare4k) ;;
    node)
        if ! command -v node >/dev/null || [ ! -d node_modules/socket.io ]; then
            echo "run.sh: node or node_modules/socket.io missing (npm ci --ignore-scripts)" >&2
            exit 1
        fi
        ;;
    *)
        echo "run.sh: unknown peer $peer (sx, node, bare4k)" >&2
        exit 1
        ;;
    esac
    SERVERS="$SERVERS $peer"
done

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# start_server <name>: starts it on a free port (PORT=0), sets SERVER_PID and PORT.
start_server() {
    local log="$WORK/server.log" command
    : >"$log"
    case "$1" in
    ours) command=("$BIN/bench_server") ;;
    nostats) command=("$BIN/bench_server-stats-off") ;;
    bare) command=("$BIN/bench-baseline") ;;
    bare4k) command=(env READ_BUFFER=4096 "$BIN/bench-baseline") ;;
    barepoll) command=("$BIN/bench-baseline-polling") ;;
    sx) command=("$PEER_TARGET_DIR/release/bench-peer-socketioxide") ;;
    node) command=(node bench/peers/node/server.js) ;;
    esac
    # env execs the server in place, so $! is the server's own pid.
    PORT=0 taskset -c "$SERVER_CORE" env "${command[@]}" >"$log" 2>&1 &
    SERVER_PID=$!
    PORT="$(listening_port "$log")"
    [ -n "$PORT" ] && return 0
    echo "run.sh: $1 did not start:" >&2
    cat "$log" >&2
    exit 1
}

# load <server> <id> <bench-load arguments...>: a fresh server, one load run; appends the
# load generator's output to $WORK/<server>.<id>.
load() {
    local server="$1" id="$2"
    shift 2
    # The polling echoes' bare server is the HTTP one.
    case "$server.$id" in
    bare.polling4 | bare.polling09) start_server barepoll ;;
    *) start_server "$server" ;;
    esac
    if ! timeout 300 taskset -c "$LOAD_CORE" "$BIN/bench-load" "$@" --port "$PORT" \
        --pid "$SERVER_PID" >"$WORK/last"; then
        echo "run.sh: $id against $server failed" >&2
        cat "$WORK/last" "$WORK/server.log" >&2
        exit 1
    fi
    stop_server
    cat "$WORK/last" >>"$WORK/$server.$id"
    echo "   [$server] $(tail -n 1 "$WORK/last")"
}

# The scenarios: id, which servers, bench-load arguments.
SCENARIOS=(
    "echo|ours bare sx node bare4k nostats|echo $ECHO"
    "fanout|ours bare sx node bare4k nostats|fanout $FANOUT"
    "idle|ours bare sx node bare4k|idle $IDLE"
    "connect|ours bare sx node bare4k|connect $CONNECT"
    "room|ours sx node|room $ROOM"
    "roomalone|ours sx node|room $ROOM_ALONE"
    "polling4|ours bare sx node|polling4 $POLL"
    "echo09|ours nostats|echo --proto v09 $ECHO"
    "fanout09|ours nostats|fanout --proto v09 $FANOUT"
    "idle09|ours|idle --proto v09 $IDLE"
    "connect09|ours|connect --proto v09 $CONNECT"
    "polling09|ours bare|polling09 $POLL"
    "polling09fanout|ours|polling09fanout $POLL_FANOUT"
    "sockjsfanout|ours|sockjs-fanout $FANOUT"
)

for round in $(seq 1 "$ROUNDS"); do
    for scenario in "${SCENARIOS[@]}"; do
        IFS='|' read -r id servers args <<<"$scenario"
        if [ -n "${ONLY:-}" ]; then
            case " $ONLY " in *" $id "*) ;; *) continue ;; esac
        fi
        echo "== round $round/$ROUNDS: $id"
        for server in $SERVERS; do
            case " $servers " in *" $server "*) ;; *) continue ;; esac
            # shellcheck disable=SC2086 # the arguments are words
            load "$server" "$id" $args
        done
    done
done

# median <server> <id> <key> [line filter]: the median of a figure over the rounds.
median() {
    [ -f "$WORK/$1.$2" ] || {
        echo ""
        return
    }
    grep -e "${4:-}" "$WORK/$1.$2" | grep -o "$3=[0-9.]*" | cut -d= -f2 | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# cell <ours> <theirs>: "theirs (ratio)", or "-" when that server has no figure.
cell() {
    awk -v p="$1" -v t="$2" 'BEGIN {
        if (t == "") printf "%-20s", "-";
        else if (t > 0 && p != "") printf "%-20s", sprintf("%s (%.2f)", t, p / t);
        else printf "%-20s", t
    }'
}

HEADER_PEERS=""
for peer in $PEERS; do HEADER_PEERS="$HEADER_PEERS $(printf '%-20s' "$peer (ratio)")"; done

# row <label> <id> <key> [line filter] [bare id]: our median, then each other server's
# median with the ratio ours / theirs. <bare id> compares with another scenario of the bare
# server (0.9 rows against its Engine.IO 4 figures).
row() {
    local label="$1" id="$2" key="$3" filter="${4:-}" bare_id="${5:-$2}"
    local ours line
    ours="$(median ours "$id" "$key" "$filter")"
    line="$(printf "%-48s %-10s " "$label" "${ours:--}")"
    line="$line$(cell "$ours" "$(median bare "$bare_id" "$key" "$filter")")"
    for peer in $PEERS; do
        line="$line $(cell "$ours" "$(median "$peer" "$id" "$key" "$filter")")"
    done
    echo "$line"
}

echo
echo "== medians of $ROUNDS rounds; ours, then each server's figure (ours / theirs)"
echo "   servers on core $SERVER_CORE, bench-load on core $LOAD_CORE; $(date -u '+%F %H:%M') UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-48s %-10s %-20s%s\n' "figure" "ours" "bare (ratio)" "$HEADER_PEERS"
row "echo, 50 clients: server CPU us per ack" echo cpu_us_per_ack
row "echo, 50 clients: acks/s" echo acks_per_s
row "echo, 50 clients: p99 latency us" echo p99_us
row "fan-out, 1000 receivers: CPU us per message" fanout cpu_us_per_msg
row "fan-out, 1000 receivers: messages/s" fanout msgs_per_s
row "idle, 5000 websocket connections: KB each" idle kb_per_conn
row "connect, sequential: connects/s" connect connects_per_s mode=sequential
row "connect, 50 in flight: connects/s" connect connects_per_s mode=concurrent
row "connect, 50 in flight: CPU us per connect" connect cpu_us_per_connect mode=concurrent
row "room of 1000 among 10000: CPU us per message" room cpu_us_per_msg
row "room of 1000 among 10000: messages/s" room msgs_per_s
row "room of 1000 alone: CPU us per message" roomalone cpu_us_per_msg
row "SIO4 polling echo, 50 clients: CPU us per ack" polling4 cpu_us_per_ack
row "SIO4 polling echo, 50 clients: user us per ack" polling4 usr_us_per_ack
row "SIO4 polling echo, 50 clients: kernel us per ack" polling4 sys_us_per_ack
row "SIO4 polling echo, 50 clients: acks/s" polling4 acks_per_s
row "0.9 websocket echo: CPU us per ack" echo09 cpu_us_per_ack "" echo
row "0.9 websocket echo: acks/s" echo09 acks_per_s "" echo
row "0.9 websocket fan-out: CPU us per message" fanout09 cpu_us_per_msg "" fanout
row "0.9 websocket idle: KB each" idle09 kb_per_conn "" idle
row "0.9 connect, 50 in flight: connects/s" connect09 connects_per_s mode=concurrent connect
row "0.9 connect, 50 in flight: CPU us per connect" connect09 cpu_us_per_connect mode=concurrent connect
row "0.9 xhr-polling echo: CPU us per ack" polling09 cpu_us_per_ack
row "0.9 xhr-polling echo: user us per ack" polling09 usr_us_per_ack
row "0.9 xhr-polling echo: kernel us per ack" polling09 sys_us_per_ack
row "0.9 xhr-polling echo: acks/s" polling09 acks_per_s
row "0.9 xhr-polling fan-out, 200: CPU us per msg" polling09fanout cpu_us_per_msg "" none
row "0.9 xhr-polling fan-out, 200: messages/s" polling09fanout msgs_per_s "" none
row "SockJS websocket fan-out: CPU us per message" sockjsfanout cpu_us_per_msg "" fanout
row "SockJS websocket fan-out: messages/s" sockjsfanout msgs_per_s "" fanout
row "SockJS websocket fan-out: encodings/broadcast" sockjsfanout encodings_per_broadcast "" none

if [ "${STATS_OFF:-0}" = 1 ]; then
    echo
    echo "== the cost of always-on statistics: ours, then ours built with stats-off (ours / nostats)"
    printf '%-48s %-10s %-20s\n' "figure" "ours" "nostats (ratio)"
    for figure in "echo, 50 clients: server CPU us per ack|echo|cpu_us_per_ack" \
        "echo, 50 clients: acks/s|echo|acks_per_s" \
        "fan-out, 1000 receivers: CPU us per message|fanout|cpu_us_per_msg" \
        "0.9 websocket echo: CPU us per ack|echo09|cpu_us_per_ack" \
        "0.9 websocket fan-out: CPU us per message|fanout09|cpu_us_per_msg"; do
        IFS='|' read -r label id key <<<"$figure"
        ours="$(median ours "$id" "$key")"
        printf '%-48s %-10s %s\n' "$label" "${ours:--}" "$(cell "$ours" "$(median nostats "$id" "$key")")"
    done
fi
