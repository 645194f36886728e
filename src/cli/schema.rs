//! `coscors schema`: the JSON Schema of case files, vendor files or targets
//! files.

use std::process::ExitCode;

use anyhow::Result;

/// Print the JSON Schema of the case format, or of vendor files or
/// targets files (for editors: see README).
#[derive(clap::Args, Debug)]
pub struct SchemaArgs {
    /// The schema of vendor files (`cases/vendors/*.yaml`).
    #[arg(long, conflicts_with = "targets")]
    pub vendor: bool,
    /// The schema of targets files (`targets.yaml`).
    #[arg(long)]
    pub targets: bool,
}

pub fn run(args: &SchemaArgs) -> Result<ExitCode> {
    let schema = if args.vendor {
        coscors::case::vendor::json_schema()
    } else if args.targets {
        coscors::target::config::json_schema()
    } else {
        coscors::case::json_schema()
    };
    println!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(ExitCode::SUCCESS)
}
