//! The sockjs_chat example (sockjs-tornado's chat and stats samples) driven by
//! `sockjs-client` 1.6 in Node: two chat clients over different transports hear each
//! other's lines and the joins, and a `/stats` client receives the chat router's figures.

mod support;

const SOCKJS_CHAT: &str = env!("CARGO_BIN_EXE_sockjs_chat");

const SCRIPT: &str = r#"
const SockJS = require('sockjs-client');
const base = process.env.BASE;
const fail = (why) => { console.log('fail ' + why); process.exit(1); };
setTimeout(() => fail('timeout'), 20000);
const a = new SockJS(base + '/chat', null, { transports: ['websocket'] });
let stats = null;
a.onopen = () => {
  const b = new SockJS(base + '/chat', null, { transports: ['xhr-streaming'] });
  b.onopen = () => setTimeout(() => a.send('hello from a \u2028'), 200);
  b.onmessage = (e) => {
    if (e.data !== 'hello from a \u2028') return;
    console.log('step b heard a');
    const s = new SockJS(base + '/stats', null, { transports: ['xhr-polling'] });
    s.onmessage = (m) => {
      stats = JSON.parse(m.data);
      if (stats.sessions_active >= 2 && stats.transp_websocket >= 1 && stats.transp_xhr_streaming >= 1 && stats.packets_recv >= 1) {
        console.log('ok ' + JSON.stringify(stats));
        process.exit(0);
      }
    };
  };
};
const heardByA = [];
a.onmessage = (e) => heardByA.push(e.data);
"#;

#[test]
fn chat_lines_and_stats_reach_sockjs_clients() {
    support::require_node_modules("sockjs-client");
    let server = support::Server::start(SOCKJS_CHAT);
    let base = server.url();
    let mut node = support::node_eval(SCRIPT, &[("BASE", base.as_str())]);
    let last = node.wait_for(std::time::Duration::from_secs(30), |l| {
        l.starts_with("ok ") || l.starts_with("fail ")
    });
    assert!(last.starts_with("ok "), "output:\n{}", node.seen.join("\n"));
}
