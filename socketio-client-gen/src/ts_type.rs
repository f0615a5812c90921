//! Rust type text (as `#[namespace]` records it) to a TypeScript type, following what
//! serde_json puts on the wire.

/// The TypeScript type for a Rust type written as text.
///
/// ```
/// use socketio_client_gen::ts_type;
/// assert_eq!(ts_type("Vec<Option<u64>>"), "(number | null)[]");
/// assert_eq!(ts_type("(bool, String)"), "[boolean, string]");
/// assert_eq!(ts_type("HashMap<String, ChatMessage>"), "Record<string, ChatMessage>");
/// assert_eq!(ts_type("Result<u8, String>"), "{ Ok: number } | { Err: string }");
/// ```
pub fn ts_type(rust: &str) -> String {
    let mut parser = Parser { rest: rust.trim() };
    let ty = parser.ty();
    if parser.rest.trim().is_empty() {
        ty
    } else {
        "unknown".to_owned()
    }
}

struct Parser<'a> {
    rest: &'a str,
}

impl Parser<'_> {
    fn eat(&mut self, token: &str) -> bool {
        let trimmed = self.rest.trim_start();
        match trimmed.strip_prefix(token) {
            Some(after) => {
                self.rest = after;
                true
            }
            None => false,
        }
    }

    fn path(&mut self) -> String {
        let trimmed = self.rest.trim_start();
        let end = trimmed
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(trimmed.len());
        self.rest = &trimmed[end..];
        trimmed[..end].rsplit("::").next().unwrap_or_default().to_owned()
    }

    fn generics(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        if self.eat("<") {
            loop {
                out.push(self.ty());
                if !self.eat(",") {
                    break;
                }
                if self.rest.trim_start().starts_with('>') {
                    break;
                }
            }
            self.eat(">");
        }
        out
    }

    fn ty(&mut self) -> String {
        if self.eat("&") {
            // A lifetime, then `mut`, may follow.
            let trimmed = self.rest.trim_start();
            if let Some(after) = trimmed.strip_prefix('\'') {
                let end = after
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                self.rest = &after[end..];
            }
            self.eat("mut ");
            return self.ty();
        }
        if self.eat("(") {
            let mut items = Vec::new();
            while !self.eat(")") {
                items.push(self.ty());
                self.eat(",");
                if self.rest.trim().is_empty() {
                    break;
                }
            }
            return if items.is_empty() {
                "null".to_owned()
            } else {
                format!("[{}]", items.join(", "))
            };
        }
        if self.eat("[") {
            let inner = self.ty();
            if self.eat(";") {
                let trimmed = self.rest.trim_start();
                let end = trimmed.find(']').unwrap_or(trimmed.len());
                self.rest = &trimmed[end..];
            }
            self.eat("]");
            return array(&inner);
        }
        let name = self.path();
        let args = self.generics();
        let arg = |i: usize| args.get(i).cloned().unwrap_or_else(|| "unknown".to_owned());
        match name.as_str() {
            "String" | "str" | "char" => "string".to_owned(),
            "Cow" | "Box" | "Arc" | "Rc" => args.last().cloned().unwrap_or_else(|| "unknown".to_owned()),
            "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128" | "isize"
            | "f32" | "f64" => "number".to_owned(),
            "bool" => "boolean".to_owned(),
            "Vec" | "VecDeque" | "HashSet" | "BTreeSet" => array(&arg(0)),
            "Option" => format!("{} | null", arg(0)),
            "HashMap" | "BTreeMap" => format!("Record<{}, {}>", arg(0), arg(1)),
            "Result" => format!("{{ Ok: {} }} | {{ Err: {} }}", arg(0), arg(1)),
            "Value" => "unknown".to_owned(),
            "" => "unknown".to_owned(),
            other => other.to_owned(),
        }
    }
}

fn array(inner: &str) -> String {
    if inner.contains(' ') {
        format!("({inner})[]")
    } else {
        format!("{inner}[]")
    }
}

#[cfg(test)]
mod tests {
    use super::ts_type;

    #[test]
    fn primitives_and_containers() {
        for (rust, ts) in [
            ("String", "string"),
            ("&str", "string"),
            ("&'a str", "string"),
            ("u32", "number"),
            ("f64", "number"),
            ("bool", "boolean"),
            ("()", "null"),
            ("Vec<String>", "string[]"),
            ("&[u8]", "number[]"),
            ("[u8; 4]", "number[]"),
            ("Option<String>", "string | null"),
            ("Vec<Option<u64>>", "(number | null)[]"),
            ("(bool, String)", "[boolean, string]"),
            (
                "std::collections::BTreeMap<String, Vec<u8>>",
                "Record<string, number[]>",
            ),
            ("Arc<str>", "string"),
            ("ChatMessage", "ChatMessage"),
            ("crate::chat::ChatMessage", "ChatMessage"),
            ("serde_json::Value", "unknown"),
            ("Vec<", "unknown[]"),
            ("<<<", "unknown"),
        ] {
            assert_eq!(ts_type(rust), ts, "{rust}");
        }
    }
}
