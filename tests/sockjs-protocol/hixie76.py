# SockJS over hixie-76 with a client nobody here wrote: websocket-client 0.4.1 (PyPI, 2011),
# the last release of that package that speaks draft-hixie-thewebsocketprotocol-76 (it
# sends key3 right behind its head, as browsers did). Run by run.sh after the suite, in a
# virtualenv of its own (the suite needs websocket-client 0.59, which speaks RFC 6455).
#
#   SOCKJS_URL=http://127.0.0.1:PORT python hixie76.py
#
# Prints one line per check; exits 1 at the first that fails.
import os
import sys
import uuid

import websocket

base = os.environ['SOCKJS_URL'].replace('http://', 'ws://', 1)


def check(what, got, expected):
    if got != expected:
        print('FAIL %s: got %r, expected %r' % (what, got, expected))
        sys.exit(1)
    print('ok   %s' % what)


# Framed SockJS: the open frame, an echo (a batch of two and a single string), the close.
ws = websocket.create_connection('%s/echo/000/%s/websocket' % (base, uuid.uuid4()))
check('framed: open frame', ws.recv(), 'o')
ws.send(u'["h\u00e9llo","</script>"]')
check('framed: first echo', ws.recv(), 'a["h\xc3\xa9llo"]')
check('framed: second echo', ws.recv(), 'a["</script>"]')
ws.send(u'"one"')
check('framed: a single string', ws.recv(), 'a["one"]')
ws.close()

# A server close: the close frame, then hixie-76's closing frame (recv gives None).
ws = websocket.create_connection('%s/close/000/%s/websocket' % (base, uuid.uuid4()))
check('close: open frame', ws.recv(), 'o')
check('close: close frame', ws.recv(), 'c[3000,"Go away!"]')
check('close: closing handshake', ws.recv(), None)

# Raw WebSocket: each message is one SockJS message.
ws = websocket.create_connection('%s/echo/websocket' % base)
ws.send(u'raw \u2028 text')
check('raw: echo', ws.recv(), 'raw \xe2\x80\xa8 text')
ws.close()
print('hixie-76: all passed')
