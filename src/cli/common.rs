//! What several subcommands share: flags flattened into their `Args`, the
//! tokio runtime, and the duration syntax of `--time` and `--settle`.

use std::path::PathBuf;

use anyhow::{Context as _, Result};

/// `--targets FILE`, for every subcommand that resolves a target by name.
#[derive(clap::Args, Debug)]
pub struct TargetsFile {
    /// The targets file (default: $COSCORS_TARGETS, then ./targets.yaml).
    #[arg(long)]
    pub targets: Option<PathBuf>,
}

/// A multi-threaded tokio runtime for a subcommand's async work.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")
}

/// `30`, `30s`, `2m`, `1h`: a whole number of seconds, minutes or hours.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected e.g. 30s, 2m, 1h"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("{s:?}: unit must be s, m or h")),
    };
    Ok(std::time::Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_in_seconds_minutes_and_hours() {
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("1d").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("").is_err());
    }
}
