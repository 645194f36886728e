//! The command line's own modules: one per subcommand, each with its `Args`
//! (clap), its `run` and its output, and `common` for what they share.
//! Nothing below `src/cli` is part of the library; the library never sees
//! clap.

pub mod bench;
pub mod common;
pub mod corpus;
pub mod doctor;
pub mod exit;
pub mod found;
pub mod fuzz;
pub mod fuzz_scale;
pub mod record;
pub mod report;
pub mod run;
pub mod schema;
pub mod serve;
