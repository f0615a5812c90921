#!/usr/bin/env bash
# Runs the official SockJS protocol suite (sockjs-protocol.py, from the repository
# sockjs/sockjs-protocol; Python 2.7) against the `sockjs_echo` example.
#
#   tests/sockjs-protocol/run.sh /path/to/sockjs-protocol [extra unittest args]
#
# The directory must hold sockjs-protocol.py, utils.py and httplib_fork.py from that
# repository (`git clone https://github.com/sockjs/sockjs-protocol`). No package registry
# carries this file: see README.md next to this script. Python 2.7 is taken from $PYTHON2,
# else pyenv's 2.7.18; its dependencies (unittest2, websocket-client 0.59, ws4py) are
# installed from PyPI into a virtualenv under $SOCKJS_VENV (default: target/sockjs-venv).
# Then tests/sockjs-protocol/hixie76.py drives the same server over hixie-76 with
# websocket-client 0.4.1 (its own virtualenv, $SOCKJS_HIXIE_VENV, default
# target/sockjs-hixie-venv). Exits non-zero if either fails; the server is stopped by its pid.
set -euo pipefail

suite=${1:?usage: run.sh /path/to/sockjs-protocol [unittest args]}
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
for f in sockjs-protocol.py utils.py httplib_fork.py; do
    [[ -f "$suite/$f" ]] || { echo "run.sh: $suite/$f is missing" >&2; exit 2; }
done

python2=${PYTHON2:-$HOME/.pyenv/versions/2.7.18/bin/python}
[[ -x "$python2" ]] || { echo "run.sh: no Python 2.7 at $python2 (set PYTHON2)" >&2; exit 2; }
target=${CARGO_TARGET_DIR:-$root/target}
venv=${SOCKJS_VENV:-$target/sockjs-venv}
if [[ ! -x "$venv/bin/python" ]]; then
    "$python2" -m virtualenv --version >/dev/null 2>&1 || "$python2" -m pip install -q --user 'virtualenv<20.22'
    "$python2" -m virtualenv -q "$venv"
    "$venv/bin/pip" install -q unittest2 'websocket-client<0.60' ws4py
fi

(cd "$root" && cargo build -q -p socketio-examples --bin sockjs_echo)
log=$(mktemp)
PORT=0 "$target/debug/sockjs_echo" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$log")
    [[ -n "$url" ]] && break
    sleep 0.1
done
[[ -n "${url:-}" ]] || { cat "$log" >&2; echo "run.sh: the server did not start" >&2; exit 1; }
status=0
(cd "$suite" && SOCKJS_URL=$url "$venv/bin/python" sockjs-protocol.py "$@") || status=$?

# hixie-76 with a client nobody here wrote (hixie76.py): websocket-client 0.4.1, in a
# virtualenv of its own (the suite's needs 0.59).
hixie_venv=${SOCKJS_HIXIE_VENV:-$target/sockjs-hixie-venv}
if [[ ! -x "$hixie_venv/bin/python" ]]; then
    "$python2" -m virtualenv -q "$hixie_venv"
    "$hixie_venv/bin/pip" install -q 'websocket-client==0.4.1'
fi
SOCKJS_URL=$url "$hixie_venv/bin/python" "$root/tests/sockjs-protocol/hixie76.py" || status=$?
exit "$status"
