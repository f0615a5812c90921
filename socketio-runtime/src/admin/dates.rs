//! Dates as JavaScript writes them, for the Admin UI: `Date.prototype.toJSON` (ISO 8601 in
//! UTC with milliseconds, what a `Date` argument becomes under the default parser) and
//! `Date.prototype.toString` in UTC (Node's `socket.handshake.time`). Proleptic Gregorian
//! calendar from days since the Unix epoch (Howard Hinnant's `civil_from_days` algorithm).

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch now.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Year, month (1-12), day (1-31) of the day `days` after 1970-01-01.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    weekday: usize,
    hour: u64,
    minute: u64,
    second: u64,
    milli: u64,
}

fn parts(ms: u64) -> Parts {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let (year, month, day) = civil(days);
    let in_day = secs % 86_400;
    Parts {
        year,
        month,
        day,
        // 1970-01-01 was a Thursday.
        weekday: ((days + 4) % 7) as usize,
        hour: in_day / 3600,
        minute: in_day % 3600 / 60,
        second: in_day % 60,
        milli: ms % 1000,
    }
}

/// `new Date(ms).toISOString()`, e.g. `2026-12-04T15:07:53.514Z`.
pub(crate) fn iso(ms: u64) -> String {
    let p = parts(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        p.year, p.month, p.day, p.hour, p.minute, p.second, p.milli
    )
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `new Date(ms).toString()` on a machine set to UTC.
pub(crate) fn js_string(ms: u64) -> String {
    let p = parts(ms);
    let month = MONTHS[(p.month as usize).saturating_sub(1) % 12];
    format!(
        "{} {month} {:02} {:04} {:02}:{:02}:{:02} GMT+0000 (Coordinated Universal Time)",
        WEEKDAYS[p.weekday], p.day, p.year, p.hour, p.minute, p.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_examples() {
        // Both from Node 20 (`new Date(1796396873514)`), TZ=UTC.
        assert_eq!(iso(1_796_396_873_514), "2026-12-04T15:07:53.514Z");
        assert_eq!(
            js_string(1_796_396_873_514),
            "Fri Dec 04 2026 15:07:53 GMT+0000 (Coordinated Universal Time)"
        );
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(
            js_string(951_782_400_000),
            "Tue Feb 29 2000 00:00:00 GMT+0000 (Coordinated Universal Time)"
        );
    }
}
