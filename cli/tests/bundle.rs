//! `dfbench bundle` (issue 21): a real clip run (`dfbench run` of the built-in image detector
//! and the built-in clip detector over the synthetic `DemoClips` videos) on SQLite is exported,
//! imported into a fresh PostgreSQL database (a second SQLite file without a test cluster,
//! unless `DFBENCH_REQUIRE_POSTGRES=1`), and `dfbench report` on both stores writes the same
//! `metrics.json` bytes. Re-importing is a no-op; a tampered member, a truncated file and a
//! detector known to the target under another fingerprint are refused, naming what is wrong.

mod support;

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use support::*;

/// The members of a bundle file, in order.
fn unpack(path: &Path) -> Vec<(String, Vec<u8>)> {
    let file = std::fs::File::open(path).expect("bundle");
    let mut archive = tar::Archive::new(zstd::Decoder::new(file).expect("zstd"));
    let mut members = Vec::new();
    for entry in archive.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        let name = entry.path().expect("path").to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("member");
        members.push((name, bytes));
    }
    members
}

/// Writes `members` as a bundle file at `path`.
fn pack(path: &Path, members: &[(String, Vec<u8>)]) {
    let file = std::fs::File::create(path).expect("create");
    let mut builder = tar::Builder::new(zstd::Encoder::new(file, 3).expect("zstd"));
    for (name, bytes) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, name, bytes.as_slice())
            .expect("append");
    }
    builder.into_inner().expect("tar").finish().expect("finish");
}

fn member<'a>(members: &'a mut [(String, Vec<u8>)], name: &str) -> &'a mut Vec<u8> {
    &mut members
        .iter_mut()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no member {name}"))
        .1
}

fn import(work: &Path, bundle: &str, url: &str) -> std::process::Output {
    dfbench()
        .args(["bundle", "import", bundle, "--database-url", url])
        .current_dir(work)
        .output()
        .expect("dfbench bundle import")
}

/// `dfbench report` of `run_id` in `url` into `out`; the bytes of its metrics.json.
fn metrics_json(work: &Path, run_id: &str, url: &str, out: &str) -> Vec<u8> {
    run_ok(
        &[
            "report",
            "--run",
            run_id,
            "--database-url",
            url,
            "--out",
            out,
        ],
        work,
    );
    std::fs::read(work.join(out).join(run_id).join("metrics.json")).expect("metrics.json")
}

#[tokio::test(flavor = "multi_thread")]
async fn bundle_round_trip_into_another_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    run_ok(&["synth", "--out", "data"], work);
    std::fs::write(work.join("suite.toml"), CLIP_SUITE.replace("FRAMES", "all")).expect("suite");
    let source = format!("sqlite:{}", work.join("source.db").display());
    let output = run_ok(
        &[
            "run",
            "suite.toml",
            "--database-url",
            &source,
            "--out",
            "reports",
        ],
        work,
    );
    let run_id = run_id_from(&String::from_utf8_lossy(&output.stderr));
    let exported = run_ok(
        &[
            "bundle",
            "export",
            "--run",
            &run_id,
            "--out",
            "run.tar.zst",
            "--database-url",
            &source,
        ],
        work,
    );
    let said = String::from_utf8_lossy(&exported.stdout).to_string();
    assert!(said.contains("72 clip outcomes"), "{said}");

    let target = match dfbench_store::testing::fresh_postgres_url("bundle_round_trip")
        .await
        .expect("postgres")
    {
        Some(url) => url,
        None => format!("sqlite:{}", work.join("target.db").display()),
    };
    let first = import(work, "run.tar.zst", &target);
    let said = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success() && said.contains("imported run"),
        "{said}"
    );
    assert_eq!(
        metrics_json(work, &run_id, &source, "from-source"),
        metrics_json(work, &run_id, &target, "from-target"),
        "metrics.json differs between the source and the imported run"
    );

    let again = import(work, "run.tar.zst", &target);
    let said = String::from_utf8_lossy(&again.stdout);
    assert!(
        again.status.success() && said.contains("already imported"),
        "{said}"
    );

    // A changed score: the member's hash no longer matches the header.
    let members = unpack(&work.join("run.tar.zst"));
    let mut tampered = members.clone();
    let predictions = member(&mut tampered, "predictions.jsonl");
    let text = String::from_utf8(predictions.clone()).expect("utf-8");
    *predictions = text
        .replacen("\"score\":0.", "\"score\":0.9", 1)
        .into_bytes();
    pack(&work.join("tampered.tar.zst"), &tampered);
    let refused = import(work, "tampered.tar.zst", &target);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{said}");
    assert!(
        said.contains("member predictions.jsonl has sha256"),
        "{said}"
    );

    // Cut short: refused as truncated.
    let bytes = std::fs::read(work.join("run.tar.zst")).expect("bundle");
    std::fs::write(work.join("short.tar.zst"), &bytes[..bytes.len() * 2 / 3]).expect("write");
    let refused = import(work, "short.tar.zst", &target);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{said}");
    assert!(said.contains("truncated or damaged"), "{said}");

    // Another run whose `spectral` has another fingerprint, its header and hashes made
    // consistent: the store refuses it, naming both fingerprints.
    let mut conflicting = members;
    let detectors = member(&mut conflicting, "detectors.jsonl");
    let text = String::from_utf8(detectors.clone()).expect("utf-8");
    let stored: String = text
        .lines()
        .find(|line| line.contains("\"name\":\"spectral\""))
        .and_then(|line| line.split("\"fingerprint\":\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .expect("spectral's fingerprint")
        .to_string();
    *detectors = text.replace(&stored, "retrained-spectral").into_bytes();
    let run = member(&mut conflicting, "run.json");
    *run = String::from_utf8(run.clone())
        .expect("utf-8")
        .replacen(&run_id, "other-run", 1)
        .into_bytes();
    let mut header: serde_json::Value =
        serde_json::from_slice(member(&mut conflicting, "bundle.json")).expect("header");
    header["run_id"] = "other-run".into();
    header["detectors"]["spectral"] = "retrained-spectral".into();
    for (name, bytes) in conflicting.iter().filter(|(n, _)| n != "bundle.json") {
        header["members"][name] = hex::encode(Sha256::digest(bytes)).into();
    }
    *member(&mut conflicting, "bundle.json") = serde_json::to_vec(&header).expect("json");
    pack(&work.join("conflict.tar.zst"), &conflicting);
    let refused = import(work, "conflict.tar.zst", &target);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{said}");
    assert!(
        said.contains("detector `spectral`")
            && said.contains("retrained-spectral")
            && said.contains(&stored),
        "{said}"
    );
}
