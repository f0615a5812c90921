//! Reading Redis replies of the stream commands: `XRANGE`/`XREVRANGE`/`XREAD` replies in
//! RESP2 or RESP3 shapes, down to `(entry id, [(field, value)])`.

/// A string reply's text.
pub(crate) fn text(value: &redis::Value) -> Option<String> {
    match value {
        redis::Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        redis::Value::SimpleString(s) => Some(s.clone()),
        redis::Value::VerbatimString { text, .. } => Some(text.clone()),
        _ => None,
    }
}

fn bytes(value: &redis::Value) -> Option<Vec<u8>> {
    match value {
        redis::Value::BulkString(bytes) => Some(bytes.clone()),
        other => text(other).map(String::into_bytes),
    }
}

/// A stream entry's fields, as Redis returned them.
pub(crate) type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// The entries of an `XRANGE`/`XREVRANGE` reply, or of every stream of an `XREAD` reply
/// (RESP2 or RESP3): `(id, [(field, value)])`.
pub(crate) fn entries(reply: &redis::Value) -> Vec<(String, Fields)> {
    let mut out = Vec::new();
    match reply {
        // XREAD, RESP3: {stream: [entries]}.
        redis::Value::Map(streams) => {
            for (_, list) in streams {
                push_entries(list, &mut out);
            }
        }
        redis::Value::Array(items) => {
            let is_xread = items
                .first()
                .is_some_and(|first| matches!(first, redis::Value::Array(pair) if pair.len() == 2 && matches!(pair[1], redis::Value::Array(ref l) if l.first().is_some_and(|e| matches!(e, redis::Value::Array(_))))));
            if is_xread {
                // XREAD, RESP2: [[stream, [entries]]].
                for item in items {
                    if let redis::Value::Array(pair) = item {
                        if let Some(list) = pair.get(1) {
                            push_entries(list, &mut out);
                        }
                    }
                }
            } else {
                push_entries(reply, &mut out);
            }
        }
        _ => {}
    }
    out
}

fn push_entries(list: &redis::Value, out: &mut Vec<(String, Fields)>) {
    let redis::Value::Array(list) = list else { return };
    for entry in list {
        let redis::Value::Array(parts) = entry else { continue };
        let (Some(id), Some(redis::Value::Array(flat))) = (parts.first().and_then(text), parts.get(1)) else {
            continue;
        };
        let fields = flat
            .chunks(2)
            .filter_map(|pair| Some((bytes(pair.first()?)?, bytes(pair.get(1)?)?)))
            .collect();
        out.push((id, fields));
    }
}
