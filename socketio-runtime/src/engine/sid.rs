//! Session ids: 15 bytes from the OS CSPRNG, base64url-encoded to 20 characters of
//! `[A-Za-z0-9_-]` (safe in 0.9 handshakes, which split on `:`, and in URLs).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A fresh random session id.
pub fn generate() -> String {
    let mut raw = [0u8; 15];
    // The OS generator failing is unrecoverable for a server that must not issue guessable ids.
    getrandom::fill(&mut raw).expect("the operating system's random generator is unavailable");
    let mut out = String::with_capacity(20);
    for chunk in raw.chunks(3) {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        for shift in [18, 12, 6, 0] {
            out.push(ALPHABET[((n >> shift) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_differ() {
        let ids: std::collections::HashSet<_> = (0..1000).map(|_| super::generate()).collect();
        assert_eq!(ids.len(), 1000);
    }
}
