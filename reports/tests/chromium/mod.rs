//! Headless Chromium for the HTML tests (the report's and the site's): find the browser, run it
//! on a `file://` page through a recording proxy, and list the hosts it requested, so a test
//! can tell the page's fetches from the browser's own.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn chromium() -> Option<String> {
    let bin = std::env::var("DFBENCH_CHROMIUM").unwrap_or_else(|_| "chromium".to_string());
    let ok = Command::new(&bin)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(bin)
}

/// Records the request line of every connection (proxied fetch) on a loopback port.
pub fn proxy_listener() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        // Read the request line, then close: Chromium sees an empty response and gives up.
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
            let mut buf = [0u8; 512];
            let n = stream.read(&mut buf).unwrap_or(0);
            let text = String::from_utf8_lossy(&buf[..n]);
            let line = text
                .lines()
                .next()
                .unwrap_or("<no request line>")
                .to_string();
            if let Ok(mut seen) = log.lock() {
                seen.push(line);
            }
        }
    });
    (port, seen)
}

pub fn requests(seen: &Mutex<Vec<String>>) -> Vec<String> {
    seen.lock().map(|s| s.clone()).unwrap_or_default()
}

/// The host of a proxied request line: `CONNECT host:443 …` or `GET http://host/path …`.
pub fn host_of(line: &str) -> String {
    let target = line.split_whitespace().nth(1).unwrap_or_default();
    let target = target.strip_prefix("http://").unwrap_or(target);
    let authority = target.split('/').next().unwrap_or_default();
    authority.split(':').next().unwrap_or_default().to_string()
}

/// Hosts requested since index `from`, once the listener has caught up.
pub fn hosts_since(seen: &Mutex<Vec<String>>, from: usize) -> (BTreeSet<String>, usize) {
    std::thread::sleep(Duration::from_millis(600));
    let all = requests(seen);
    let hosts = all.iter().skip(from).map(|l| host_of(l)).collect();
    (hosts, all.len())
}

pub fn run_chromium(bin: &str, port: u16, extra: &[String], page: &Path) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--no-pings",
    ]
    .map(str::to_string)
    .to_vec();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    args.push(format!("--proxy-server=http://127.0.0.1:{port}"));
    args.extend(extra.iter().cloned());
    args.push(format!("file://{}", page.display()));
    // Output goes to files: a full pipe would block Chromium while we wait for it to exit.
    let out_dir = tempfile::tempdir().expect("output dir");
    let (stdout_path, stderr_path) = (out_dir.path().join("out"), out_dir.path().join("err"));
    let mut child = Command::new(bin)
        .args(&args)
        .stdout(File::create(&stdout_path).expect("stdout file"))
        .stderr(File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let stdout = std::fs::read_to_string(&stdout_path).expect("stdout");
            let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            assert!(status.success(), "chromium failed: {stderr}");
            return stdout;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
