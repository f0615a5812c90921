//! Dates as JavaScript writes them: `Date.prototype.toString()` in UTC (the `time` of a
//! Node handshake) and `toISOString()` (what `JSON.stringify` makes of a `Date`, which
//! notepack.io carries as a msgpack timestamp).

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A UTC instant split into calendar fields.
struct Civil {
    year: i64,
    month: usize,
    day: i64,
    weekday: usize,
    hour: i64,
    minute: i64,
    second: i64,
    millis: i64,
}

/// Splits milliseconds since the Unix epoch (days from civil, H. Hinnant's algorithm).
fn civil(ms: i64) -> Civil {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month: usize::try_from(month - 1).unwrap_or(0).min(11),
        day,
        weekday: usize::try_from(days.rem_euclid(7)).unwrap_or(0),
        hour: in_day / 3_600_000,
        minute: in_day / 60_000 % 60,
        second: in_day / 1000 % 60,
        millis: in_day % 1000,
    }
}

/// `new Date(ms).toString()` on a UTC machine.
///
/// ```
/// assert_eq!(
///     socketio_redis::date::js_date_string(1_796_396_717_422),
///     "Fri Dec 04 2026 15:05:17 GMT+0000 (Coordinated Universal Time)"
/// );
/// ```
pub fn js_date_string(ms: i64) -> String {
    let c = civil(ms);
    format!(
        "{} {} {:02} {:04} {:02}:{:02}:{:02} GMT+0000 (Coordinated Universal Time)",
        DAYS[c.weekday], MONTHS[c.month], c.day, c.year, c.hour, c.minute, c.second
    )
}

/// `new Date(ms).toISOString()`.
///
/// ```
/// assert_eq!(socketio_redis::date::iso_string(1_796_396_717_422), "2026-12-04T15:05:17.422Z");
/// assert_eq!(socketio_redis::date::iso_string(-1), "1969-12-31T23:59:59.999Z");
/// ```
pub fn iso_string(ms: i64) -> String {
    let c = civil(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year,
        c.month + 1,
        c.day,
        c.hour,
        c.minute,
        c.second,
        c.millis
    )
}
