//! `coscors corpus`: the fuzz targets' seed corpus from the case files.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use coscors::suite;

/// Write the fuzz targets' seed corpus from the case files.
///
/// `fuzz/seeds/xml_roundtrip/`: every body PUT to `?cors` and every
/// configuration written as XML; `fuzz/seeds/emulator_handler/`: every
/// request as raw HTTP; `fuzz/seeds/model_eval/`: generator inputs.
#[derive(clap::Args, Debug)]
pub struct CorpusArgs {
    /// Case files or directories.
    #[arg(default_value = "cases")]
    pub paths: Vec<PathBuf>,
    #[arg(long, default_value = "fuzz/seeds")]
    pub out: PathBuf,
}

pub fn run(args: &CorpusArgs) -> Result<ExitCode> {
    let (cases, errors) = suite::load(&args.paths, &suite::Selection::default())?;
    if let Some(e) = errors.first() {
        anyhow::bail!("{e}");
    }
    let n = coscors::corpus::write(&cases, &args.out)?;
    println!("{n} seed files written under {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
