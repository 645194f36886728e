//! `coscors run`: its arguments, how they become a selection of cases, and
//! what it prints (a line per case as it ends, failures with their diffs,
//! per-target counts and scores, the grades, the closing line).

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use anyhow::{Context as _, Result};

use coscors::case::Evidence;
use coscors::runner::{CaseOutcome, Verdict};
use coscors::suite::{self, IdMatcher, Selection, SuiteOptions};
use coscors::target::TargetSpec;

use super::exit;

/// Run case files against a target and report every difference.
///
/// Each case gets a verdict: conforms (answers as COS), diverges as
/// recorded (as the vendor file says), fails (neither), not run (the vendor
/// file's reason), or divergence fixed. Prints a line per case, the
/// failures with their diffs, per-target counts and scores, the evidence
/// grades of the cases run, and ends with `N passed, N failed, N skipped`
/// on a line of its own (failed counts *fails* only, skipped *not run*).
///
/// Exit codes: 0 nothing failed; 1 a case failed (or, with --strict, a
/// divergence is fixed) or a restore failed; 2 a usage error or a case file
/// that does not load; 4 no case matched; 130 interrupted.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Case files, directories (searched for *.yaml; `vendors/`, `found/`
    /// and `recorded/` are skipped unless named), or case ids such as
    /// `preflight/origin-null` (looked up under ./cases).
    #[arg(default_value = "cases")]
    pub paths: Vec<String>,
    /// Target: `emulator` (default), `emulator-s3`, a name from the targets
    /// file, or http://host:port. Repeat to run several targets
    /// (concurrently: they are independent).
    #[arg(long, env = "COSCORS_TARGET", default_value = "emulator")]
    pub target: Vec<String>,
    /// The targets file (default: $COSCORS_TARGETS, then ./targets.yaml).
    #[arg(long)]
    pub targets: Option<PathBuf>,
    /// Write results.json, junit-<target>.xml, summary.md and index.html here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Where the run keeps the bucket's saved configuration.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run even if the bucket's CORS configuration cannot be read (and so
    /// cannot be restored).
    #[arg(long)]
    pub i_own_this_bucket: bool,
    /// Run only cases whose id contains this text, or matches it as a glob
    /// when it holds `*`, `?` or `[` (`preflight/*-origin`). Repeat: any.
    #[arg(long, short = 'E')]
    pub filter: Vec<String>,
    /// Run only cases whose id matches this regular expression. Repeat: any.
    #[arg(long)]
    pub regex: Vec<String>,
    /// Leave out cases whose id contains this text or matches this glob.
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Run only cases of this evidence grade: settled, supported or
    /// inferred (repeat: any of them).
    #[arg(long, value_parser = clap::value_parser!(Evidence))]
    pub evidence: Vec<Evidence>,
    /// List the selected cases (id, evidence grade, source) and run nothing.
    #[arg(long)]
    pub list: bool,
    /// `human` (default), or `json`: one JSON object per case on stdout as
    /// it ends (with --list: per case listed), then a summary object.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Show more: -v a line per step (request and status), -vv the
    /// exchange's headers and body.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Stop at the first case that fails.
    #[arg(long)]
    pub fail_fast: bool,
    /// Cases run at once on targets where each case has its own server.
    #[arg(long, default_value_t = 8)]
    pub jobs: usize,
    /// A divergence the target no longer shows fails the run too (keeps
    /// vendor files true).
    #[arg(long)]
    pub strict: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

/// The `cases` folder the paths are in (for `vendors/`): the nearest
/// ancestor of the first path named `cases`, else `./cases`.
pub fn cases_root(paths: &[PathBuf]) -> PathBuf {
    paths
        .first()
        .and_then(|p| {
            p.ancestors()
                .find(|a| a.file_name().is_some_and(|n| n == "cases"))
        })
        .map_or_else(|| PathBuf::from("cases"), PathBuf::from)
}

/// Paths as given, and case ids looked up under ./cases. An argument that
/// is neither is a usage error with the nearest ids as suggestions.
fn resolve_paths(args: &[String], ids: &mut Vec<String>) -> Result<Vec<PathBuf>, String> {
    // Where no `cases/` folder is, the built-in suite's copy stands in
    // for it (paths under `cases/` are read from there).
    let builtin = !Path::new("cases").exists();
    let root_buf = if builtin {
        coscors::case::builtin::locate(Path::new("cases")).map_err(|e| e.to_string())?
    } else {
        PathBuf::from("cases")
    };
    let root = root_buf.as_path();
    let mut out = Vec::new();
    for a in args {
        let p = PathBuf::from(a);
        if p.exists() || (builtin && p.starts_with("cases")) {
            out.push(p);
            continue;
        }
        let (base, sub) = match a.split_once("::") {
            Some((b, _)) => (b, true),
            None => (a.as_str(), false),
        };
        let base = base.trim_end_matches(".yaml").trim_start_matches("cases/");
        let file = ["yaml", "yml"]
            .iter()
            .map(|e| root.join(format!("{base}.{e}")))
            .find(|f| f.is_file());
        match file {
            Some(f) => {
                if sub {
                    ids.push(format!("{base}::{}", &a[a.find("::").unwrap_or(0) + 2..]));
                }
                out.push(f);
            }
            None if root.join(base).is_dir() => out.push(root.join(base)),
            None => return Err(not_found(a, root)),
        }
    }
    Ok(out)
}

/// "no case file or case id X", with up to three ids that look like it.
fn not_found(arg: &str, root: &Path) -> String {
    let mut ids: Vec<(f64, String)> = coscors::case::discover(&[root.to_path_buf()])
        .unwrap_or_default()
        .iter()
        .map(|f| coscors::case::case_id(f))
        .map(|id| (strsim::jaro_winkler(arg, &id), id))
        .filter(|(score, _)| *score > 0.8)
        .collect();
    ids.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut msg = format!("{arg:?} is neither a file nor a case id under cases/");
    if !ids.is_empty() {
        let names: Vec<&str> = ids.iter().take(3).map(|(_, id)| id.as_str()).collect();
        msg.push_str(&format!("; did you mean {}?", names.join(", ")));
    }
    msg
}

fn selection(args: &RunArgs, ids: Vec<String>) -> Result<Selection> {
    let mut include = args
        .filter
        .iter()
        .map(|f| IdMatcher::text(f))
        .collect::<Result<Vec<_>>>()?;
    for r in &args.regex {
        include.push(IdMatcher::regex(r)?);
    }
    Ok(Selection {
        include,
        exclude: args
            .exclude
            .iter()
            .map(|f| IdMatcher::text(f))
            .collect::<Result<_>>()?,
        ids,
        evidence: args.evidence.clone(),
    })
}

/// `coscors run`.
pub fn run(args: RunArgs) -> Result<ExitCode> {
    let mut ids = Vec::new();
    let paths = match resolve_paths(&args.paths, &mut ids) {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("coscors: {msg}");
            return Ok(exit::code(exit::USAGE));
        }
    };
    let select = match selection(&args, ids) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("coscors: {e:#}");
            return Ok(exit::code(exit::USAGE));
        }
    };
    let opts = SuiteOptions {
        cases_root: cases_root(&paths),
        paths,
        select,
        jobs: args.jobs,
        out_dir: args.out.clone().unwrap_or_else(suite::default_out_dir),
        owned: args.i_own_this_bucket,
        skip: Vec::new(),
        fail_fast: args.fail_fast,
        divergences: true,
    };
    let (cases, load_errors) = suite::load(&opts.paths, &opts.select)?;
    for e in &load_errors {
        eprintln!("{e}");
    }
    if args.list {
        return list(&cases, &load_errors, args.format);
    }
    if !load_errors.is_empty() {
        eprintln!(
            "coscors: {} case file(s) do not load; nothing was run",
            load_errors.len()
        );
        return Ok(exit::code(exit::USAGE));
    }
    if cases.is_empty() {
        eprintln!("coscors: no case matched (exit {})", exit::NO_MATCH);
        return Ok(exit::code(exit::NO_MATCH));
    }
    let specs = match args
        .target
        .iter()
        .map(|t| TargetSpec::resolve(t, args.targets.as_deref()))
        .collect::<Result<Vec<_>>>()
    {
        Ok(s) => s,
        // An unknown target or a targets file that does not load (every
        // problem of it shown).
        Err(e) => {
            eprintln!("{e:#}");
            return Ok(exit::code(exit::USAGE));
        }
    };
    execute(&specs, &opts, &args)
}

/// `run --list`: the selected cases, one per line.
fn list(
    cases: &[coscors::case::LoadedCase],
    load_errors: &[coscors::case::LoadError],
    format: Format,
) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    for c in cases {
        match format {
            Format::Json => writeln!(
                out,
                "{}",
                serde_json::json!({
                    "id": c.id,
                    "name": c.case.name,
                    "evidence": c.case.evidence,
                    "source": c.case.source.0.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
                    "file": c.path.display().to_string(),
                })
            )?,
            Format::Human => {
                writeln!(out, "{:<60} {:<9} {}", c.id, c.case.evidence, c.case.source)?;
            }
        }
    }
    Ok(exit::code(if !load_errors.is_empty() {
        exit::USAGE
    } else if cases.is_empty() {
        exit::NO_MATCH
    } else {
        exit::OK
    }))
}

/// The style of a verdict's word on a terminal.
fn style_of(v: &Verdict) -> Style {
    let c = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    match v {
        Verdict::Conforms => c(AnsiColor::Green),
        Verdict::DivergesAsRecorded(_) => c(AnsiColor::Yellow),
        Verdict::DivergenceFixed => c(AnsiColor::Magenta).bold(),
        Verdict::Fails | Verdict::Error(_) => c(AnsiColor::Red).bold(),
        Verdict::NotRun(_) => Style::new().dimmed(),
    }
}

/// One line per case as it ends, and with -v/-vv its steps.
fn case_line(o: &CaseOutcome, verbose: u8) -> String {
    let style = style_of(&o.verdict);
    let mut line = format!(
        "{style}{:>20}{style:#} [{:>8.1} ms] {} {}\n",
        o.verdict.word(),
        o.duration.as_secs_f64() * 1000.0,
        o.target,
        o.id
    );
    if verbose == 0 {
        return line;
    }
    for (i, s) in o.steps.iter().enumerate() {
        let status = s
            .observed
            .as_ref()
            .map_or("(no answer)".to_string(), |obs| obs.status.to_string());
        let mark = if s.comparison.passed() {
            "ok"
        } else {
            "DIFFERS"
        };
        line.push_str(&format!(
            "      step {}: {} -> {status} {mark}\n",
            i + 1,
            s.request_line
        ));
        if verbose < 2 {
            continue;
        }
        for (n, v) in &s.request_headers {
            line.push_str(&format!("        > {n}: {v}\n"));
        }
        if let Some(obs) = &s.observed {
            for (n, v) in &obs.headers {
                line.push_str(&format!("        < {n}: {v}\n"));
            }
            if !obs.body.is_empty() {
                let body = String::from_utf8_lossy(&obs.body);
                for l in body.lines().take(40) {
                    line.push_str(&format!("        < {l}\n"));
                }
            }
        }
    }
    line
}

/// A case's result as one JSON object (`--format json`).
fn case_json(o: &CaseOutcome) -> serde_json::Value {
    let steps: Vec<serde_json::Value> = o
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.comparison.passed())
        .map(|(i, s)| {
            serde_json::json!({
                "step": i + 1,
                "request": s.request_line,
                "expected_from": if s.vs_cos.is_some() { "vendor" } else { "cos" },
                "diff": s.comparison.render(),
            })
        })
        .collect();
    serde_json::json!({
        "target": o.target,
        "id": o.id,
        "verdict": coscors::report::VerdictKind::of(&o.verdict).name(),
        "evidence": o.evidence,
        "as_cos": o.as_cos,
        "as_s3": o.as_s3,
        "reason": o.vendor_reason,
        "error": match &o.verdict { Verdict::Error(e) => Some(e.message.as_str()), _ => None },
        "duration_ms": o.duration.as_secs_f64() * 1000.0,
        "file": o.path.display().to_string(),
        "source": o.source,
        "failed_steps": steps,
    })
}

/// Run the selected cases on every target, printing as they end.
fn execute(specs: &[TargetSpec], opts: &SuiteOptions, args: &RunArgs) -> Result<ExitCode> {
    let rt = super::common::runtime()?;
    let (format, verbose) = (args.format, args.verbose);
    let bar = progress_bar(
        format,
        std::io::stderr().is_terminal(),
        std::env::var_os("TERM").is_some_and(|t| t == "dumb"),
        anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never,
    );
    let results = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for (i, spec) in specs.iter().cloned().enumerate() {
            let mut o = opts.clone();
            if specs.len() > 1 {
                o.out_dir = o.out_dir.join(coscors::report::sanitize(&spec.name));
            }
            let bar = bar.clone();
            set.spawn(async move {
                let r = suite::run(&spec, &o, |done, total, c| {
                    // One write per case, so lines of targets running at
                    // once never interleave.
                    let text = match format {
                        Format::Human => case_line(c, verbose),
                        Format::Json => format!("{}\n", case_json(c)),
                    };
                    let write = || {
                        let mut out = anstream::stdout().lock();
                        let _ = out.write_all(text.as_bytes());
                        let _ = out.flush();
                    };
                    match &bar {
                        // The line above the bar, the bar drawn again below.
                        Some(b) => {
                            if done == 1 {
                                b.inc_length(total as u64);
                            }
                            b.suspend(write);
                            b.inc(1);
                            b.set_message(format!("{} {}", c.target, c.id));
                        }
                        None => write(),
                    }
                })
                .await;
                (i, spec, o, r)
            });
        }
        let mut all = Vec::new();
        while let Some(r) = set.join_next().await {
            all.push(r.context("a target's run panicked")?);
        }
        all.sort_by_key(|(i, ..)| *i);
        anyhow::Ok(all)
    })?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    // In JSON mode stdout holds only JSON: the human account goes to stderr.
    let mut human: Box<dyn std::io::Write> = match format {
        Format::Human => Box::new(anstream::stdout()),
        Format::Json => Box::new(anstream::stderr()),
    };
    let mut tally = Tally::default();
    let mut interrupted = false;
    let mut all_outcomes = Vec::new();
    let mut restore_failed = false;
    for (_, spec, o, result) in results {
        let result = result.with_context(|| format!("target {}", spec.name))?;
        tally.add(&print_target(&mut human, &spec, &o, &result, args.strict)?);
        interrupted |= result.interrupted;
        restore_failed |= matches!(result.restore, Some(Err(_)));
        all_outcomes.extend(result.outcomes);
    }
    if let Some(dir) = &args.report {
        let infos = specs
            .iter()
            .map(|s| coscors::report::TargetInfo {
                name: s.name.clone(),
                profile: s.profile.name().to_string(),
                vendor: s.vendor.clone(),
            })
            .collect();
        let results = coscors::report::Results::from_outcomes(
            infos,
            &all_outcomes,
            coscors::clock::rfc3339_now(),
        );
        coscors::report::write_all(dir, &results)?;
        writeln!(human, "report written to {}", dir.display())?;
    }
    // Each case once, whatever the number of targets.
    let mut grades: std::collections::BTreeMap<&str, Evidence> = Default::default();
    for o in &all_outcomes {
        grades.insert(&o.id, o.evidence);
    }
    let graded: Vec<String> = Evidence::ALL
        .iter()
        .map(|e| format!("{} {e}", grades.values().filter(|g| *g == e).count()))
        .collect();
    writeln!(human, "evidence: {}", graded.join(", "))?;
    let closing = format!(
        "{} passed, {} failed, {} skipped",
        tally.passed, tally.failed, tally.skipped
    );
    if format == Format::Json {
        println!(
            "{}",
            serde_json::json!({"summary": {"passed": tally.passed, "failed": tally.failed, "skipped": tally.skipped}})
        );
    }
    writeln!(human, "{closing}")?;
    human.flush()?;
    if interrupted {
        return Ok(exit::code(exit::INTERRUPTED));
    }
    Ok(exit::code(if tally.failed == 0 && !restore_failed {
        exit::OK
    } else {
        exit::FAILED
    }))
}

/// A progress bar on stderr, only where someone watches it: human output,
/// stderr a terminal that is not `TERM=dumb`. Elsewhere (CI logs, pipes)
/// there is none and the per-case lines are all there is; they are printed
/// either way. Coloured unless colour is off (`NO_COLOR`, as anstream
/// decides).
fn progress_bar(
    format: Format,
    stderr_terminal: bool,
    dumb: bool,
    colour: bool,
) -> Option<indicatif::ProgressBar> {
    if format != Format::Human || !stderr_terminal || dumb {
        return None;
    }
    let template = if colour {
        "{elapsed:>4} [{bar:30.green/dim}] {pos}/{len} {wide_msg}"
    } else {
        "{elapsed:>4} [{bar:30}] {pos}/{len} {wide_msg}"
    };
    let style = indicatif::ProgressStyle::with_template(template)
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
    let bar =
        indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr())
            .with_style(style);
    Some(bar)
}

/// What the closing line counts: *fails* as failed, *not run* as skipped,
/// every other verdict as passed.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    skipped: usize,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

/// Print one target's failures, its verdict counts and scores.
fn print_target(
    out: &mut dyn std::io::Write,
    spec: &TargetSpec,
    opts: &SuiteOptions,
    result: &suite::SuiteResult,
    strict: bool,
) -> Result<Tally> {
    let mut tally = Tally::default();
    for o in &result.outcomes {
        if o.verdict.gates(strict) {
            tally.failed += 1;
        } else if matches!(o.verdict, Verdict::NotRun(_)) {
            tally.skipped += 1;
        } else {
            tally.passed += 1;
        }
        let report = o.report();
        if !report.is_empty() {
            writeln!(out, "\n{report}")?;
        }
    }
    // Every normalisation that forgave something, counted over all steps.
    let mut applied: std::collections::BTreeMap<&str, usize> = Default::default();
    for o in &result.outcomes {
        for s in &o.steps {
            for (n, _) in &s.comparison.applied {
                *applied.entry(n.name()).or_default() += 1;
            }
        }
    }
    if !applied.is_empty() {
        let list: Vec<String> = applied.iter().map(|(n, c)| format!("{n} ×{c}")).collect();
        writeln!(
            out,
            "normalised: {} (per case, `exact:` turns any of them off)",
            list.join(", ")
        )?;
    }
    if result.interrupted {
        writeln!(out, "interrupted after {} case(s)", result.outcomes.len())?;
    }
    if !result.leftover_keys.is_empty() {
        writeln!(out, "could not delete: {}", result.leftover_keys.join(", "))?;
    }
    match &result.restore {
        Some(Ok(())) => writeln!(
            out,
            "the bucket's CORS configuration was restored (saved copy in {})",
            opts.out_dir.display()
        )?,
        Some(Err(e)) => writeln!(
            out,
            "RESTORE FAILED: {e}; the saved configuration is in {}",
            opts.out_dir.display()
        )?,
        None => {}
    }
    let records = spec.vendor.as_ref().map(|v| {
        coscors::case::vendor::vendor_path(&opts.cases_root, v)
            .display()
            .to_string()
    });
    let line = coscors::runner::Counts::of(&result.outcomes).line(
        &spec.name,
        spec.profile,
        records.as_deref(),
    );
    writeln!(out, "{line}")?;
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_progress_bar_only_on_a_terminal_for_people() {
        // Off a terminal (CI logs, pipes), with JSON, or on a dumb
        // terminal: no bar, the per-case lines alone.
        assert!(progress_bar(Format::Human, false, false, true).is_none());
        assert!(progress_bar(Format::Json, true, false, true).is_none());
        assert!(progress_bar(Format::Human, true, true, true).is_none());
        // On a terminal, coloured or not (NO_COLOR).
        assert!(progress_bar(Format::Human, true, false, true).is_some());
        assert!(progress_bar(Format::Human, true, false, false).is_some());
    }
}
