//! The async runtime a command of this package's binaries (`dfbench`, `dfbench-gpu-bench`)
//! runs on, and the exit status its result becomes. Owns nothing else.

use std::future::Future;
use std::process::ExitCode;

/// Runs `command` on a multi-threaded tokio runtime; an error is printed on stderr with its
/// causes and exits with status 2.
pub fn run(command: impl Future<Output = anyhow::Result<ExitCode>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
