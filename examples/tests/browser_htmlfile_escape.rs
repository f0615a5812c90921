//! A room member cannot break another member's htmlfile stream (issue 18): the stock
//! `socket.io-client@0.9.16` in headless Chromium, on the chat example over htmlfile,
//! keeps hearing its room after a peer (socket.io-client 4 in Node) said `<!--<script>`,
//! `</script>`, `<script>` and U+2028 (tests/browser/v09-htmlfile-peer.js). Before the
//! server escaped `<` in htmlfile chunks, `<!--<script>` left the page's tokenizer in the
//! script-data-escaped states and nothing after it ran.
//!
//! Needs Debian's Chromium at /usr/bin/chromium and the npm packages `playwright-core`,
//! `sio-client-09` and `socket.io-client`; a missing one fails the test rather than skip it.

mod support;

fn peer_says_hostile_lines(transport: &str) {
    support::require_node_modules("socket.io-client");
    support::browser_scenario(
        env!("CARGO_BIN_EXE_chat"),
        "tests/browser/v09-htmlfile-peer.js",
        "sio-client-09",
        transport,
    );
}

#[test]
fn a_peer_cannot_break_an_htmlfile_stream() {
    peer_says_hostile_lines("htmlfile");
}

/// The same lines over jsonp-polling (a `<script src>` per poll), as a guard.
#[test]
fn a_peer_cannot_break_jsonp_polling() {
    peer_says_hostile_lines("jsonp-polling");
}
