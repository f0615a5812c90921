# Shared by bench/run.sh and bench/compare.sh (sourced, not run): a scratch directory,
# the server process the script started, and its cleanup on exit.
#
#   WORK              scratch directory, removed on exit
#   SERVER_PID        the running server's pid, or empty
#   stop_server       stops it (idempotent)
#   listening_port F [S]  the port a server printed in its log F ("listening on
#                     http://..."), waiting up to S seconds (5); empty if it did not start

WORK="$(mktemp -d)"
SERVER_PID=""

stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}

bench_cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

listening_port() {
    local log="$1" port=""
    for _ in $(seq 1 $((${2:-5} * 20))); do
        port="$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$log")"
        [ -n "$port" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "$port"
}
