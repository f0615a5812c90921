//! Session ids: 15 bytes from the OS CSPRNG, base64url-encoded to 20 characters of
//! `[A-Za-z0-9_-]` (safe in 0.9 handshakes, which split on `:`, and in URLs). The bytes
//! are fetched sixteen ids' worth at a time, per thread, and each byte is used once.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Ids whose random bytes one `getrandom` call gets at once (a connect takes two ids, the
/// engine's and the socket's: one system call each before).
const IDS_PER_FILL: usize = 16;

thread_local! {
    /// Random bytes from the OS CSPRNG not used yet, per thread: a pool of
    /// [`IDS_PER_FILL`] ids' worth, and how many of its bytes are used.
    static POOL: std::cell::RefCell<([u8; 15 * IDS_PER_FILL], usize)> =
        const { std::cell::RefCell::new(([0; 15 * IDS_PER_FILL], 15 * IDS_PER_FILL)) };
}

/// 15 fresh bytes from the OS CSPRNG, each handed out once (the pool is refilled when
/// used up).
fn random_bytes() -> [u8; 15] {
    POOL.with(|pool| {
        let (bytes, used) = &mut *pool.borrow_mut();
        if *used == bytes.len() {
            // The OS generator failing is unrecoverable for a server that must not issue
            // guessable ids.
            getrandom::fill(bytes).expect("the operating system's random generator is unavailable");
            *used = 0;
        }
        let mut out = [0u8; 15];
        out.copy_from_slice(&bytes[*used..*used + 15]);
        // Not left behind once handed out.
        bytes[*used..*used + 15].fill(0);
        *used += 15;
        out
    })
}

/// A fresh random session id.
pub fn generate() -> String {
    let raw = random_bytes();
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

    #[test]
    fn ids_from_other_threads_differ_too() {
        let ids: Vec<String> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| (0..100).map(|_| super::generate()).collect::<Vec<_>>()))
                .collect();
            threads.into_iter().flat_map(|t| t.join().unwrap_or_default()).collect()
        });
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!((ids.len(), distinct.len()), (400, 400));
        assert!(ids.iter().all(|id| id.len() == 20));
    }
}
