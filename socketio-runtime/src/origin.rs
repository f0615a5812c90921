//! The origins allow-list (the 0.9 reference server's `origins` setting, PROTOCOL-0.9.md
//! §3.5): `host:port` patterns where either part may be `*`, checked against the request's
//! `Origin`, else its `Referer`.

use warp::http::{header, HeaderMap};

/// `host` and `port` of an origin or referer, read leniently: the scheme is optional (the
/// 0.9.16 Node client sends `127.0.0.1:3000`), a missing port is the scheme's default.
///
/// ```
/// use socketio_runtime::origin::host_port;
/// assert_eq!(host_port("http://example.com"), Some(("example.com".into(), "80".into())));
/// assert_eq!(host_port("https://example.com/page"), Some(("example.com".into(), "443".into())));
/// assert_eq!(host_port("127.0.0.1:3000"), Some(("127.0.0.1".into(), "3000".into())));
/// assert_eq!(host_port("http://[::1]:8080"), Some(("[::1]".into(), "8080".into())));
/// ```
pub fn host_port(value: &str) -> Option<(String, String)> {
    let (scheme, rest) = match value.split_once("://") {
        Some((scheme, rest)) => (scheme, rest),
        None => ("http", value),
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = if let Some(v6_end) = authority.strip_prefix('[').and_then(|a| a.find(']')) {
        let host = &authority[..v6_end + 2];
        (host, authority[v6_end + 2..].strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let default_port = if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("wss") {
        "443"
    } else {
        "80"
    };
    Some((
        host.to_ascii_lowercase(),
        port.filter(|p| !p.is_empty()).unwrap_or(default_port).to_owned(),
    ))
}

/// Whether a request may connect under `allowed` (`["*:*"]` allows everything, even
/// requests with no Origin or Referer; otherwise one of them must match).
///
/// ```
/// use socketio_runtime::origin::is_allowed;
/// use warp::http::HeaderMap;
/// let mut headers = HeaderMap::new();
/// headers.insert("origin", "http://evil.example".parse().unwrap());
/// let allowed = ["allowed.example:80".to_owned(), "other.example:*".to_owned()];
/// assert!(!is_allowed(&allowed, &headers));
/// headers.insert("origin", "http://other.example:8080".parse().unwrap());
/// assert!(is_allowed(&allowed, &headers));
/// ```
pub fn is_allowed(allowed: &[String], headers: &HeaderMap) -> bool {
    if allowed.iter().any(|p| p == "*:*") {
        return true;
    }
    let value = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some((host, port)) = value.filter(|v| *v != "null").and_then(host_port) else {
        return false;
    };
    allowed.iter().any(|pattern| {
        let (p_host, p_port) = pattern.rsplit_once(':').unwrap_or((pattern.as_str(), "*"));
        (p_host == "*" || p_host.eq_ignore_ascii_case(&host)) && (p_port == "*" || p_port == port)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            warp::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
        h
    }

    #[test]
    fn reference_cases() {
        let allowed = ["allowed.example:80".to_owned(), "other.example:*".to_owned()];
        assert!(is_allowed(
            &allowed,
            &headers("referer", "http://other.example:8080/page.html")
        ));
        assert!(is_allowed(&allowed, &headers("origin", "http://allowed.example")));
        assert!(!is_allowed(&allowed, &headers("origin", "http://evil.example")));
        assert!(!is_allowed(&allowed, &headers("origin", "null")));
        assert!(!is_allowed(&allowed, &HeaderMap::new()));
        assert!(is_allowed(&["*:*".to_owned()], &HeaderMap::new()));
        assert!(is_allowed(&["*:3000".to_owned()], &headers("origin", "127.0.0.1:3000")));
    }
}
