//! Today's date, as reports and recordings write it (UTC, from the system
//! clock); the formatting is pure and tested.

use crate::sign::sigv4::format_amz_date;

/// Seconds since the Unix epoch now (0 if the clock is before it).
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `YYYY-MM-DD` of a Unix time.
pub fn date(secs: u64) -> String {
    let d = format_amz_date(secs);
    format!("{}-{}-{}", &d[0..4], &d[4..6], &d[6..8])
}

/// RFC 3339 (`YYYY-MM-DDTHH:MM:SSZ`) of a Unix time.
pub fn rfc3339(secs: u64) -> String {
    let d = format_amz_date(secs);
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &d[0..4],
        &d[4..6],
        &d[6..8],
        &d[9..11],
        &d[11..13],
        &d[13..15]
    )
}

/// A time as COS's listing documents write it (`2020-05-06T09:58:00.000Z`,
/// the List Multipart Uploads and List Parts pages' examples; UTC, to the
/// second, the milliseconds always `000`).
pub fn rfc3339_millis(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let s = rfc3339(secs);
    format!("{}.000Z", s.trim_end_matches('Z'))
}

/// Today's date (`YYYY-MM-DD`, UTC).
pub fn today() -> String {
    date(unix_now())
}

/// Now in RFC 3339 (UTC).
pub fn rfc3339_now() -> String {
    rfc3339(unix_now())
}

#[cfg(test)]
mod tests {
    use super::{date, rfc3339, rfc3339_millis};

    #[test]
    fn dates_of_known_instants() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        // 2023-11-14 22:13:20 UTC.
        assert_eq!(date(1_700_000_000), "2023-11-14");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        // A leap day.
        assert_eq!(rfc3339(951_782_400 + 3_661), "2000-02-29T01:01:01Z");
        // As the listings write it, milliseconds dropped.
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_987);
        assert_eq!(rfc3339_millis(t), "2023-11-14T22:13:20.000Z");
    }
}
