//! The `coscors` command line: parses the arguments and hands each
//! subcommand to its module under `src/cli/`.

mod cli;

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "coscors",
    version = coscors::build_info::LONG_VERSION,
    about = "Conformance harness, reference emulator and differential fuzzer for Tencent COS CORS",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// One line per subcommand; each one's arguments and code are in `src/cli/`.
#[derive(Subcommand)]
enum Command {
    Run(cli::run::RunArgs),
    Doctor(cli::doctor::DoctorArgs),
    Schema(cli::schema::SchemaArgs),
    Completions(CompletionsArgs),
    Man(ManArgs),
    Report(cli::report::ReportArgs),
    Record(cli::record::RecordArgs),
    Fuzz(cli::fuzz::FuzzArgs),
    Found(cli::found::FoundArgs),
    Corpus(cli::corpus::CorpusArgs),
    Bench(cli::bench::BenchArgs),
    Serve(cli::serve::ServeArgs),
}

/// Print a shell completion script: `coscors completions bash >
/// /etc/bash_completion.d/coscors` (bash, zsh, fish, elvish, powershell).
#[derive(clap::Args)]
struct CompletionsArgs {
    shell: clap_complete::Shell,
}

/// Print the man page (roff): `coscors man > coscors.1`.
#[derive(clap::Args)]
struct ManArgs {}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    match real_main() {
        Ok(code) => code,
        // The reader went away (`coscors run --list | head`): stop quietly,
        // as ripgrep and fd do, instead of "Broken pipe (os error 32)".
        Err(e) if broken_pipe(&e) => cli::exit::code(cli::exit::OK),
        Err(e) => {
            eprintln!("coscors: error: {e:#}");
            cli::exit::code(cli::exit::USAGE)
        }
    }
}

/// Rust ignores SIGPIPE, so a write to a closed pipe is an EPIPE error.
/// Is this error (anywhere in its chain) that one?
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `println!` panics on EPIPE ("failed printing to stdout: Broken pipe");
/// such a panic ends the process quietly too. Every other panic goes to
/// the default hook as before.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(i32::from(cli::exit::OK));
        }
        default(info);
    }));
}

fn real_main() -> Result<ExitCode> {
    match Cli::parse().command {
        Command::Run(args) => cli::run::run(args),
        Command::Doctor(args) => cli::doctor::run(args),
        Command::Schema(args) => cli::schema::run(&args),
        Command::Completions(args) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(args.shell, &mut cmd, "coscors", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man(ManArgs {}) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(args) => cli::report::run(&args),
        Command::Record(args) => cli::record::run(args),
        Command::Fuzz(args) => cli::fuzz::run(args),
        Command::Found(args) => cli::found::run(&args),
        Command::Corpus(args) => cli::corpus::run(&args),
        Command::Bench(args) => cli::bench::run(&args),
        Command::Serve(args) => cli::serve::run(args),
    }
}
