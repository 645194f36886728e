//! `coscors found`: work with the finds fuzz campaigns write.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

/// Work with fuzz finds (the case files `coscors fuzz` writes).
#[derive(clap::Args, Debug)]
pub struct FoundArgs {
    #[command(subcommand)]
    pub command: FoundCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum FoundCommand {
    /// Merge the finds of several campaigns (e.g. the shards of N machines)
    /// into one folder, one file per signature: the most shrunk file wins,
    /// and lists the seed, shard and iteration of the others.
    Merge {
        /// Folders of finds (their *.yaml files).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// The merged folder (new or empty).
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(args: &FoundArgs) -> Result<ExitCode> {
    match &args.command {
        FoundCommand::Merge { dirs, out } => {
            let merged = coscors::fuzz::merge::merge(dirs, out)?;
            for (sig, path) in &merged.written {
                println!("{}  {sig}", path.display());
            }
            for p in &merged.ignored {
                eprintln!(
                    "not a find (no `# coscors fuzz:` first line): {}",
                    p.display()
                );
            }
            println!(
                "{} finds from {} folders merged into {} classes in {}",
                merged.read,
                dirs.len(),
                merged.written.len(),
                out.display()
            );
            Ok(super::exit::code(super::exit::OK))
        }
    }
}
