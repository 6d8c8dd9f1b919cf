//! The `talkzone` binary: parse arguments, run one command, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use talkzone::cli::{Cli, Command, LogCommand};
use talkzone::commands;

fn main() -> ExitCode {
    // A panic in a background task (the Bluetooth library has them) must not break the screen.
    talkzone::ui::dashboard::install_panic_hook();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Scan(args) => commands::scan::run(&cli, args),
        Command::Live(args) => commands::live::run(&cli, args),
        Command::Zones(args) => commands::zones::run(&cli, args),
        Command::Sessions(args) => commands::sessions::run(&cli, args),
        Command::Summary(args) => commands::summary::run(&cli, args),
        Command::Thresholds(args) => commands::thresholds::run(&cli, args),
        Command::Week(args) => commands::week::run(&cli, args),
        Command::Log(LogCommand::Strength(args)) => commands::log::strength(&cli, args),
        Command::Import(args) => commands::import::run(&cli, args),
        Command::Export(args) => commands::export::run(&cli, args),
        Command::Delete(args) => commands::delete::run(&cli, args),
        Command::Morning(args) => commands::morning::run(&cli, args),
        Command::Calibrate(args) => commands::calibrate::run(&cli, args),
        Command::Calibrations(args) => commands::calibrations::run(&cli, args),
        Command::Trend(args) => commands::trend::run(&cli, args),
        Command::Readiness(args) => commands::readiness::run(&cli, args),
        Command::Check(args) => commands::check::run(&cli, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("talkzone: {e}");
            ExitCode::from(e.exit() as u8)
        }
    }
}
