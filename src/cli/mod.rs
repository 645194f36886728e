//! The command line's own modules: one per subcommand that has grown past a
//! few lines, each with its `Args` (clap) and its output. Nothing below
//! `src/cli` is part of the library; the library never sees clap.

pub mod exit;
pub mod found;
pub mod fuzz_scale;
pub mod run;
