#!/usr/bin/env bash
# Soak: hundreds of real clients of both generations churning against the chat namespaces
# (bench-soak-server), and the server's memory and descriptors before, during and after.
#
#   bench/soak.sh [SECONDS=60] [CLIENTS_PER_KIND=100] [ALLOCATOR=system|mimalloc]
#
# Four Node processes (bench/soak/clients.js), one per kind: socket.io-client 4 over
# websocket and over polling, socket.io-client 0.9.16 over websocket and over xhr-polling.
# Half of each kind's clients stay, half churn (connect, nickname, room, three acked
# messages, vanish without a goodbye). Prints the server's /soak-stats every 5 s, each
# kind's summary, and fails if a client that stayed lost an ack. "after" is read once the
# server's timeouts (10 s) have reaped the vanished clients. A stayer whose connection
# dropped is listed with the reason the server gave for closing its session (the server
# logs each session's end and its Engine.IO 4 heartbeat and polling decisions: RUST_LOG
# below), the client's details (for socket.io-client 4: the failed request's HTTP status
# and body, when it last got a ping and sent a pong) and how long the client's process had
# stalled (its timers late) in the 15 s before: a drop after a long stall is the load
# generator's own starvation, not the server's doing. Each "during" line carries the load
# average and the server's longest timer delay since the previous line (`lag_max_ms`).
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_SECONDS=${1:-60}
PER_KIND=${2:-100}
ALLOCATOR=${3:-system}
PORT=${PORT:-3917}
TARGET=${CARGO_TARGET_DIR:-target}
FEATURES=()
[ "$ALLOCATOR" = mimalloc ] && FEATURES=(--features mimalloc)

cargo build --release -q -p socketio-bench --bin bench-soak-server "${FEATURES[@]}"
work=$(mktemp -d)
# The server logs to stdout (tracing's default writer).
LOG_FILTER=warn,socketio_runtime::engine::session=debug,socketio_runtime::protocol::eio4=debug,socketio_runtime::transport::poll=debug
RUST_LOG=${RUST_LOG:-$LOG_FILTER} PORT=$PORT \
  "$TARGET/release/bench-soak-server" >"$work/server.err" 2>&1 &
server=$!
# SOAK_LOGS=DIR keeps the server's log and the clients' output there.
trap 'kill $server 2>/dev/null; [ -n "${SOAK_LOGS:-}" ] && cp -r "$work" "$SOAK_LOGS"; rm -rf "$work"' EXIT

stats() { curl -sf "http://127.0.0.1:$PORT/soak-stats"; }
for _ in $(seq 50); do stats >/dev/null 2>&1 && break; sleep 0.1; done
echo "allocator=$ALLOCATOR seconds=$RUN_SECONDS clients_per_kind=$PER_KIND"
echo "before  $(stats)"

nodes=()
for kind in v4-websocket v4-polling v09-websocket v09-xhr-polling; do
  node bench/soak/clients.js "$kind" "http://127.0.0.1:$PORT" "$PER_KIND" "$RUN_SECONDS" \
    >"$work/$kind.out" 2>"$work/$kind.err" &
  nodes+=($!)
done
elapsed=0
while [ "$elapsed" -lt "$RUN_SECONDS" ]; do
  sleep 5
  elapsed=$((elapsed + 5))
  echo "during  t=${elapsed}s $(stats) load=$(cut -d' ' -f1-3 /proc/loadavg)"
done
failed=0
for n in "${nodes[@]}"; do wait "$n" || failed=1; done
echo "ended   $(stats)"
sleep 15
echo "after   $(stats)"
echo "server  $(grep -c 'outbox full' "$work/server.err" || true) sessions closed as slow consumers"
# Stayers whose connection dropped: the client's reason, and the server's for that session
# (a report only: nothing in it may stop the script).
set +e
sed 's/\x1b\[[0-9;]*m//g' "$work/server.err" | grep 'session closed' >"$work/closed.log" || true
server_reason() {
  grep -F "sid=$1 " "$work/closed.log" | sed -n 's/.*reason="\{0,1\}\([^"]*\)"\{0,1\}.*/\1/p' | head -n 1
}
for kind in v4-websocket v4-polling v09-websocket v09-xhr-polling; do
  grep $'^drop\t' "$work/$kind.err" | while IFS=$'\t' read -r _ sid reason detail; do
    server=$(server_reason "$sid")
    case "$detail" in
      *'"starved":true'*) why="the client's process starved (its timers late by the pong deadline or more)" ;;
      *) why="client not starved" ;;
    esac
    echo "$reason -> ${server:-no close logged}; $why"
  done | sort | uniq -c | sed "s/^/drops   $kind (client -> server): /"
  # The first drops one by one: the client's details, then what the server logged of the
  # session (its last lines).
  grep $'^drop\t' "$work/$kind.err" | head -n "${SOAK_DROP_DETAILS:-10}" | while IFS=$'\t' read -r _ sid reason detail; do
    echo "drop    $kind $sid: $reason -> $(server_reason "$sid") $detail"
    sed 's/\x1b\[[0-9;]*m//g' "$work/server.err" | grep -F "$sid" | tail -n 3 | sed 's/^/          server: /'
  done
done
set -e
for kind in v4-websocket v4-polling v09-websocket v09-xhr-polling; do
  line=$(tail -n 1 "$work/$kind.out")
  echo "clients $line"
  { grep -v $'^drop\t' "$work/$kind.err" || true; } | head -n 3 | sed "s/^/  $kind stderr: /"
  case "$line" in
    *'"lost":0,'*) ;;
    *) failed=1 ;;
  esac
  # A stayer that dropped while its process was running normally is worth a look.
  unexplained=$(grep $'^drop\t' "$work/$kind.err" | grep -vc '"starved":true' || true)
  [ "$unexplained" -eq 0 ] || echo "  $kind: $unexplained stayers dropped while their process was not starved (see the drop lines above)"
done
if [ "$failed" -ne 0 ]; then
  echo "soak: FAILED (a client that stayed lost an ack, or a client process failed)"
  exit 1
fi
echo "soak: ok (no ack lost by a client that stayed)"
