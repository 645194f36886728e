//! `coscors report`: re-render a report folder, or compare two runs.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use coscors::report::{self, ChangeKind, Changes};

/// Re-render summary.md, junit and index.html from a report folder's
/// results.json, or list what changed between two runs.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// The report folder (holding results.json).
    pub dir: Option<PathBuf>,
    /// Compare two report folders (or results.json files): OLD NEW.
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"])]
    pub compare: Vec<PathBuf>,
}

/// A report folder's results.json, or the file itself.
fn results_path(p: &Path) -> PathBuf {
    if p.is_dir() {
        p.join("results.json")
    } else {
        p.to_path_buf()
    }
}

pub fn run(args: &ReportArgs) -> Result<ExitCode> {
    if let [old, new] = args.compare.as_slice() {
        let (a, b) = (
            report::load(&results_path(old))?,
            report::load(&results_path(new))?,
        );
        let changes = Changes::between(&a, &b);
        let mut out = std::io::stdout().lock();
        write!(out, "{}", changes.render())?;
        return Ok(if changes.count(ChangeKind::NewFailure) == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let dir = args
        .dir
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("give a report folder, or --compare OLD NEW"))?;
    let results = report::load(&results_path(dir))?;
    report::render(dir, &results)?;
    println!(
        "re-rendered summary.md, junit-*.xml and index.html in {}",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
