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
    use super::{date, rfc3339};

    #[test]
    fn dates_of_known_instants() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        // 2023-11-14 22:13:20 UTC.
        assert_eq!(date(1_700_000_000), "2023-11-14");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        // A leap day.
        assert_eq!(rfc3339(951_782_400 + 3_661), "2000-02-29T01:01:01Z");
    }
}
