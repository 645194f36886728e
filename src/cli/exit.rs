//! Exit codes, the same for every subcommand (README, "Exit codes").

use std::process::ExitCode;

/// Everything ran and nothing failed.
pub const OK: u8 = 0;
/// Something failed: a case, a restore, a new discrepancy (`fuzz
/// --fail-on-new`).
pub const FAILED: u8 = 1;
/// The command line or an input file is wrong (a usage error, a case file
/// that does not load).
pub const USAGE: u8 = 2;
/// Nothing matched: the filters took no case (as nextest's exit 4).
pub const NO_MATCH: u8 = 4;
/// Stopped by Ctrl-C or SIGTERM (after restoring the bucket).
pub const INTERRUPTED: u8 = 130;

pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}
