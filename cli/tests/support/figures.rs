//! Reading the figures a `bench` command prints; shared by the CLI's tests and gpu-bench's.

/// The first number after `label` on the line that starts with it (after indentation), which
/// must be a positive finite figure (a rate or ratio printed by a `bench` command).
pub fn figure(stdout: &str, label: &str) -> f64 {
    let line = stdout
        .lines()
        .find(|line| line.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{stdout}"));
    let rest = &line.trim_start()[label.len()..];
    let value: f64 = rest
        .split_whitespace()
        .next()
        .and_then(|word| word.parse().ok())
        .unwrap_or_else(|| panic!("no number after `{label}` in `{line}`"));
    assert!(value.is_finite() && value > 0.0, "`{line}`");
    value
}
