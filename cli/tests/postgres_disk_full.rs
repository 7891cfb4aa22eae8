//! The Postgres disk fills up mid-run (SQLSTATE 53100, issue 20): the run's database lives in a
//! tablespace on a small tmpfs; once the run is planned the tmpfs is filled, so the first
//! prediction a worker reports cannot extend its table. `dfbench run` must exit non-zero within
//! seconds naming the cause, and once space is freed the coordinator marks the run `failed`
//! with it. (SQLite's full database is `chaos::database_fills_up_mid_run`, the read-only
//! Postgres database `chaos::postgres_turns_read_only_mid_run`.)
//!
//! Mounting a tmpfs needs root (CAP_SYS_ADMIN); without it the test says SKIPPED and passes.
//! Skipped visibly without `DATABASE_URL` too, unless `DFBENCH_REQUIRE_POSTGRES=1`.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::*;

/// A tmpfs mounted at a fresh folder, owned by the Postgres server's user, holding a
/// tablespace; dropped (database, tablespace, mount) when the test ends, even on failure.
struct SmallDisk {
    mount: PathBuf,
    _dir: tempfile::TempDir,
    server_url: String,
    tablespace: String,
    database: String,
}

impl SmallDisk {
    /// Mounts `size` of tmpfs and creates a tablespace on it; `None` (after saying why) where
    /// this process may not mount.
    fn mount(server_url: &str, size: &str, database: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("tempdir");
        let mount = dir.path().join("disk");
        std::fs::create_dir(&mount).expect("mount point");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700")])
            .arg("tmpfs")
            .arg(&mount)
            .output()
            .expect("spawn mount");
        if !mounted.status.success() {
            eprintln!(
                "SKIPPED postgres_disk_fills_up_mid_run: cannot mount a tmpfs here ({})",
                String::from_utf8_lossy(&mounted.stderr).trim()
            );
            return None;
        }
        // The tempdir and the mount must be reachable by the server's user.
        let chown = Command::new("chown")
            .arg("postgres:postgres")
            .arg(&mount)
            .status()
            .expect("chown");
        assert!(chown.success(), "chown postgres {}", mount.display());
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .expect("chmod");
        let tablespace = format!("{database}_disk");
        let disk = SmallDisk {
            mount,
            _dir: dir,
            server_url: server_url.to_string(),
            tablespace,
            database: database.to_string(),
        };
        psql(
            server_url,
            &[&format!(
                "CREATE TABLESPACE {} LOCATION '{}'",
                disk.tablespace,
                disk.mount.display()
            )],
        );
        Some(disk)
    }

    /// Writes a file into the tmpfs until it is full; returns how many bytes went in.
    fn fill(&self) -> u64 {
        let mut file = std::fs::File::create(self.mount.join("filler")).expect("filler");
        let block = vec![0xA5u8; 64 * 1024];
        let mut written = 0u64;
        loop {
            match file.write(&block) {
                Ok(0) => break,
                Ok(n) => written += n as u64,
                Err(error) if error.raw_os_error() == Some(28) => break, // ENOSPC
                Err(error) => panic!("filling the tmpfs: {error}"),
            }
        }
        let _ = file.sync_all();
        written
    }

    fn free(&self) {
        std::fs::remove_file(self.mount.join("filler")).expect("remove the filler");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.mount.join("filler"));
        let _ = Command::new("psql")
            .arg(&self.server_url)
            .args(["-q", "-c"])
            .arg(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.database
            ))
            .args([
                "-c",
                &format!("DROP TABLESPACE IF EXISTS {}", self.tablespace),
            ])
            .status();
        let _ = Command::new("umount").arg("-l").arg(&self.mount).status();
    }
}

fn database_name(url: &str) -> String {
    url.rsplit('/')
        .next()
        .and_then(|rest| rest.split('?').next())
        .expect("database name")
        .to_string()
}

fn server_url(url: &str, database: &str) -> String {
    url.replacen(&format!("/{database}"), "/postgres", 1)
}

/// Waits until `sql` (one number) reaches `at_least`.
fn wait_for(database_url: &str, sql: &str, at_least: i64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let value: i64 = psql(database_url, &[sql]).parse().unwrap_or(0);
        if value >= at_least {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_disk_fills_up_mid_run() {
    let Some(database_url) = dfbench_store::testing::fresh_postgres_url("postgres_disk_full")
        .await
        .expect("postgres")
    else {
        return;
    };
    let database = database_name(&database_url);
    let server = server_url(&database_url, &database);
    let Some(disk) = SmallDisk::mount(&server, "48m", &database) else {
        return;
    };
    psql(
        &server,
        &[&format!(
            "ALTER DATABASE \"{database}\" SET TABLESPACE {}",
            disk.tablespace
        )],
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let work: &Path = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("suite.toml"), demo_suite("disk-full", 12)).expect("suite");

    // The run is planned while there is room; the workers start once the disk is full.
    let (_coordinator, url) = start_coordinator(&database_url, &["--heartbeat-secs", "0.3"]);
    let run = spawn_in_background(
        &[
            "run",
            "suite.toml",
            "--coordinator",
            &url,
            "--database-url",
            &database_url,
            "--out",
            "reports",
        ],
        work,
        "run",
    );
    wait_for(
        &database_url,
        "SELECT count(*) FROM shards",
        1,
        "the run's plan",
    );
    let filled = disk.fill();
    let full = Instant::now();
    let _workers = [
        start_worker_with(&url, "w1", &[]),
        start_worker_with(&url, "w2", &[]),
    ];
    let (ok, _, stderr) = wait_background(run, work, "run", Duration::from_secs(60));
    let waited = full.elapsed();
    print!("tmpfs filled ({} MiB of filler) → ", filled >> 20);
    let cause = "the database is full (PostgreSQL 53100";
    fault_message(ok, &stderr, waited, cause);

    // Space is back: the coordinator's retry marks the run failed with the cause.
    disk.free();
    let error = stored_failure(&database_url, &stderr, cause).await;
    println!(
        "space freed → run failed after {:.1} s: {error}",
        full.elapsed().as_secs_f64()
    );
}
