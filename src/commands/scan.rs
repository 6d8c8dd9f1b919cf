//! `talkzone scan`: list the heart-rate straps nearby.

use std::io::Write;

use crate::cli::{Cli, ScanArgs};
use crate::error::AppError;
use crate::source::ble::transport;

/// Scan for `--timeout` seconds on the chosen adapter and print the straps found, strongest
/// first, as a table or a JSON array.
pub fn run(cli: &Cli, args: &ScanArgs) -> Result<(), AppError> {
    let settings = super::settings(cli)?;
    let window = args.timeout;
    let adapter_name = args.adapter.clone().or(settings.device.adapter.clone());
    if !args.json {
        eprintln!(
            "Looking for heart-rate straps for {} s...",
            window.as_secs_f64()
        );
    }
    let straps = super::block_on(async {
        let adapter = transport::open_adapter(adapter_name.as_deref()).await?;
        transport::scan(&adapter, window).await
    })??;
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        writeln!(
            out,
            "{}",
            serde_json::to_string(&straps).unwrap_or_else(|_| "[]".into())
        )
    } else if straps.is_empty() {
        writeln!(
            out,
            "No heart-rate strap found. Wake it: wet the electrodes and put it on; close any app \
             that holds it (a strap allows one connection at a time)."
        )
    } else {
        let mut r = writeln!(out, "{:<24} {:<17} {:>5}", "NAME", "ADDRESS", "RSSI");
        for s in &straps {
            let rssi = s.rssi.map(|r| format!("{r}")).unwrap_or_else(|| "?".into());
            r = r.and(writeln!(
                out,
                "{:<24} {:<17} {:>5}",
                s.name.as_deref().unwrap_or("(no name)"),
                s.address,
                rssi
            ));
        }
        r
    };
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(AppError::Output(e)),
        _ => Ok(()),
    }
}
