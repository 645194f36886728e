//! `coscors doctor`: can a page on these origins do what cos-js-sdk-v5
//! does with this bucket's CORS configuration, in each browser engine?
//! The logic is `coscors::doctor`; this file reads the input and prints.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::{Args, ValueEnum};

use coscors::doctor;
use coscors::model::browser::Engine;
use coscors::target::{Session, Shared, TargetSpec};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    Chromium,
    Firefox,
    Webkit,
}

/// Check a CORS configuration against what cos-js-sdk-v5 sends from a
/// page (putObject, multipart upload, sliceUploadFile, getObject with
/// Range, headObject, deleteObject; with and without a temporary
/// credential's x-cos-security-token) in Chromium, Firefox and WebKit, and
/// print the smallest change that fixes each failure as an XML diff.
/// Exit status: 0 when every operation passes, 1 when one fails, 2 on bad
/// input.
#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// The configuration: a COS XML file (as PUT Bucket cors takes it) or
    /// the JS SDK's JSON form ({"CORSRules": [{"AllowedOrigin": [...], ...}]}).
    #[arg(
        value_name = "FILE",
        required_unless_present = "target",
        conflicts_with = "target"
    )]
    pub config: Option<PathBuf>,
    /// Read the configuration from a live bucket with GET ?cors instead.
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// The targets file for --target (default: COSCORS_TARGETS or ./targets.yaml).
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// A page origin (scheme://host[:port]); repeat for several.
    #[arg(long = "origin", value_name = "ORIGIN", required = true)]
    pub origins: Vec<String>,
    /// Only these engines (default: all three).
    #[arg(long = "engine", value_enum)]
    pub engines: Vec<EngineArg>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the fixed configuration (COS XML, ready to PUT) here when
    /// anything fails.
    #[arg(long, value_name = "FILE")]
    pub write_fixed: Option<PathBuf>,
}

fn read_target(name: &str, targets: Option<&std::path::Path>) -> Result<String> {
    let spec = TargetSpec::resolve(name, targets)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    rt.block_on(async {
        let shared = Shared::new(&spec)?;
        let session = Session::open(&spec, &shared).await?;
        let o = session
            .send("GET", "/", Some("cors"), &[], Vec::new())
            .await
            .with_context(|| format!("GET ?cors on {name}"))?;
        if o.status == 404 {
            bail!("{name}: the bucket has no CORS configuration (GET ?cors answered 404): every cross-origin request fails");
        }
        if o.status != 200 {
            bail!(
                "{name}: GET ?cors answered {}: {}",
                o.status,
                String::from_utf8_lossy(&o.body)
            );
        }
        String::from_utf8(o.body.clone()).context("GET ?cors: the body is not UTF-8")
    })
}

fn check_origin(o: &str) -> Result<()> {
    let rest = o
        .strip_prefix("https://")
        .or_else(|| o.strip_prefix("http://"))
        .with_context(|| format!("--origin {o:?}: an origin starts with http:// or https://"))?;
    if rest.is_empty() || rest.contains('/') {
        bail!("--origin {o:?}: scheme://host[:port], no path");
    }
    Ok(())
}

pub fn run(args: DoctorArgs) -> Result<ExitCode> {
    for o in &args.origins {
        check_origin(o)?;
    }
    let (text, from) = match (&args.config, &args.target) {
        (Some(path), _) => (
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
            path.display().to_string(),
        ),
        (None, Some(name)) => (read_target(name, args.targets.as_deref())?, name.clone()),
        (None, None) => bail!("a configuration file or --target NAME"),
    };
    let config =
        doctor::parse_config(&text).with_context(|| format!("the configuration in {from}"))?;
    let engines: Vec<Engine> = if args.engines.is_empty() {
        Engine::ALL.to_vec()
    } else {
        args.engines
            .iter()
            .map(|e| match e {
                EngineArg::Chromium => Engine::Chromium,
                EngineArg::Firefox => Engine::Firefox,
                EngineArg::Webkit => Engine::WebKit,
            })
            .collect()
    };
    let report = doctor::examine(&config, &args.origins, &engines);
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).context("writing JSON")?
        ),
        Format::Text => {
            println!("configuration: {from} ({} rule(s))", config.rules.len());
            print!("{}", doctor::render(&report));
            if report.fixed.is_some() && args.write_fixed.is_none() {
                println!("(--write-fixed FILE writes the fixed configuration, ready to PUT)");
            }
        }
    }
    if let (Some(path), Some(fixed)) = (&args.write_fixed, &report.fixed) {
        std::fs::write(path, fixed).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("the fixed configuration: {}", path.display());
    }
    Ok(ExitCode::from(u8::from(report.failing > 0)))
}
