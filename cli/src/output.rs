//! Standard output as a Unix filter uses it: a closed pipe (`dfbench runs | head -1`) ends the
//! command quietly with exit status 141 (128 + SIGPIPE, what a shell reports for a filter
//! killed by it) instead of a panic; any other write error is reported once on stderr.
//!
//! Every command prints through [`outln!`], never `println!`.

use std::io::Write;

/// Writes `args` to stdout; see the module docs for what a failed write does.
pub fn write(args: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141);
        }
        eprintln!("error: cannot write to standard output: {error}");
        std::process::exit(1);
    }
}

/// `println!` that ends quietly on a closed pipe.
macro_rules! outln {
    () => {
        $crate::output::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use outln;

/// Whether log lines get ANSI colours: `--color always|never`, or with `auto` only when stderr
/// is a terminal and `NO_COLOR` is unset (https://no-color.org).
pub fn colours(choice: &str) -> bool {
    use std::io::IsTerminal;
    match choice {
        "always" => true,
        "never" => false,
        _ => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}
