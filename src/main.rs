//! The `talkzone` binary: parse arguments, run one command, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use talkzone::cli::{Cli, Command};
use talkzone::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Scan(args) => commands::scan::run(&cli, args),
        Command::Live(args) => commands::live::run(&cli, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("talkzone: {e}");
            ExitCode::from(e.exit() as u8)
        }
    }
}
