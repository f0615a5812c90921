#!/usr/bin/env bash
# Issue 12: three nodes on one Redis, fan-out to receivers spread over the nodes, against
# three Node servers (socket.io 4.8 + @socket.io/redis-adapter 8.3, classic) in the same run.
# Rust: the `cluster` example (release build, classic adapter). Node: bench/cluster/node-server.js,
# the same `/chat` wire. Load: bench/cluster/load.js (socket.io-client 4 over websocket).
#
#   bash bench/cluster.sh            # RECEIVERS=300 ROUNDS=300 WINDOW=8 by default
#   SHARDED=1 bash bench/cluster.sh  # the sharded adapters (SPUBLISH/SSUBSCRIBE) on both sides
#
# Prints, per kind: deliveries, delivered messages per second, the three servers' CPU
# seconds (utime+stime from /proc, summed) over the fan-out alone (read by the load
# process right before the first line and right after the last delivery) and over the
# whole run (connections, nicknames and joins included: the chat demo announces each
# nickname to the whole namespace, Node's bench server does not, so this column charges
# the Rust side setup work the Node side does not do), server CPU microseconds per
# delivered message (fan-out CPU), and the publish->receive latency p50/p99 measured by
# the load process on one clock. KINDS="rust" (or "node") runs one side only.
# Everything runs on this machine's cores, unpinned: read the figures with the load
# average printed first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RECEIVERS=${RECEIVERS:-300}
ROUNDS=${ROUNDS:-300}
WINDOW=${WINDOW:-8}
SHARDED=${SHARDED:-0}
KINDS=${KINDS:-rust node}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${CLUSTER_BIN:-$TARGET/release/cluster}
TMP="$(mktemp -d)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT

[ -n "${CLUSTER_BIN:-}" ] || cargo build --release -q -p socketio-examples --bin cluster
TCK=$(getconf CLK_TCK)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

RPORT=$(free_port)
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP" >/dev/null &
PIDS+=($!)
until redis-cli -p "$RPORT" ping >/dev/null 2>&1; do sleep 0.05; done
export REDIS_URL="redis://127.0.0.1:$RPORT" SHARDED
# Every node subscribes to the namespace's request channel (classic) or main shard channel
# (sharded): counted by Redis, the cluster is complete.
if [ "$SHARDED" = 1 ]; then
    subscribers() { redis-cli -p "$RPORT" PUBSUB SHARDNUMSUB 'socket.io#/chat#' | tail -1; }
else
    subscribers() { redis-cli -p "$RPORT" PUBSUB NUMSUB 'socket.io-request#/chat#' | tail -1; }
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_kind() {
    local kind=$1; shift
    local urls=() pids=()
    for i in 1 2 3; do
        local out="$TMP/$kind-$i.out"
        PORT=0 RUST_LOG=warn "$@" >"$out" 2>"$TMP/$kind-$i.err" &
        pids+=($!); PIDS+=($!)
        local tries=0
        until grep -qs "^listening on " "$out"; do
            sleep 0.05; tries=$((tries + 1))
            [ "$tries" -lt 600 ] || { echo "$kind node $i did not start: $(cat "$TMP/$kind-$i.err")" >&2; exit 1; }
        done
        urls+=("$(sed -n 's/^listening on //p' "$out" | head -1)")
    done
    until [ "$(subscribers)" = 3 ]; do sleep 0.05; done
    local before=0 after=0
    for pid in "${pids[@]}"; do before=$((before + $(cpu_ticks "$pid"))); done
    local result
    result=$(CPU_PIDS="$(IFS=,; echo "${pids[*]}")" timeout 180 node bench/cluster/load.js "$RECEIVERS" "$ROUNDS" "$WINDOW" "${urls[@]}")
    for pid in "${pids[@]}"; do after=$((after + $(cpu_ticks "$pid"))); done
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait "${pids[@]}" 2>/dev/null || true
    case "$result" in fail*) echo "$kind: $result" >&2; exit 1 ;; esac
    awk -v kind="$kind" -v r="$result" -v whole=$((after - before)) -v k="$TCK" 'BEGIN {
        split(r, f, " "); for (i in f) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
        d = v["delivered"]; cpu = v["cpu_ticks"] / k
        printf "%-6s %10d %12s %10.2f %12.2f %14.1f %14.0f %8s %8s\n", kind, d, v["msgs_per_s"], cpu,
            whole / k, cpu * 1e6 / d, d / cpu, v["p50_ms"], v["p99_ms"] }'
}

adapter=classic
[ "$SHARDED" = 1 ] && adapter=sharded
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; adapter=$adapter receivers=$RECEIVERS rounds=$ROUNDS window=$WINDOW"
printf "%-6s %10s %12s %10s %12s %14s %14s %8s %8s\n" kind delivered msgs_per_s cpu_s whole_cpu_s cpu_us_per_msg msgs_per_cpu_s p50_ms p99_ms
for kind in $KINDS; do
    case "$kind" in
    rust) run_kind rust "$BIN" ;;
    node) run_kind node node bench/cluster/node-server.js ;;
    *) echo "unknown kind $kind" >&2; exit 1 ;;
    esac
done
