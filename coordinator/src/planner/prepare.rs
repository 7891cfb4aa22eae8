//! Planning a prepare run's detector (`kind = "prepare"`, see `dfbench prepare`): the recipe
//! travels to the workers as it is, with the output folder relative to the coordinator's
//! `--output-root` (the write-side twin of `--serve-root`); the fingerprint is the recipe's
//! sha256, the one every per-video record carries.
//!
//! Must not touch: the output folder (only workers write, under their own output root), the
//! videos, or the recipe's meaning (the worker owns the recipe type and checks the fingerprint).

use super::{PlanError, RunRequest};
use dfbench_benchmarks::DetectorSpec;
use dfbench_benchmarks::card::clip::InputKind;
use dfbench_benchmarks::fingerprint::sha256_hex;
use dfbench_benchmarks::prepare_lease::{PrepareLease, check_relative_out};
use dfbench_store::DetectorRecord;

/// The stored record of a prepare detector, or why the run is refused.
pub(super) fn plan_prepare_detector(
    detector: &DetectorSpec,
    request: &RunRequest<'_>,
) -> Result<DetectorRecord, PlanError> {
    let refuse = |problem: String| PlanError::Prepare {
        detector: detector.name.clone(),
        problem,
    };
    let Some(output_root) = request.output_root else {
        return Err(refuse(
            "this coordinator was started without --output-root, so it leases no prepare run; \
             start it with --output-root DIR (the folder workers may write under)"
                .to_string(),
        ));
    };
    let (Some(recipe), Some(out)) = (&detector.recipe, &detector.out) else {
        return Err(refuse("needs `recipe` and `out`".to_string()));
    };
    check_relative_out(out)
        .map_err(|problem| refuse(format!("{problem} ({})", output_root.display())))?;
    let faces = match &detector.faces {
        Some(card) => {
            if let Some(serve) = request.serve_roots {
                serve
                    .check(card)
                    .map_err(|outside| refuse(format!("face-detector card: {outside}")))?;
            }
            Some(card.display().to_string())
        }
        None => None,
    };
    let lease = PrepareLease {
        recipe: recipe.clone(),
        out: out.clone(),
        faces,
    };
    Ok(DetectorRecord {
        name: detector.name.clone(),
        kind: detector.kind.clone(),
        builtin: detector.builtin_name().to_string(),
        card: Some(lease.to_json()),
        fingerprint: Some(sha256_hex(recipe.as_bytes())),
        input: InputKind::Image,
    })
}

#[cfg(test)]
mod tests {
    use super::super::plan_run;
    use super::*;

    fn suite(out: &str) -> String {
        format!(
            "name = \"prepare o\"\nshard_size = 2\n[[datasets]]\nname = \"v\"\nformat = \"videos\"\n\
             root = \"videos\"\n[[detectors]]\nname = \"prepare\"\nkind = \"prepare\"\n\
             recipe = '{{\"size\":64}}'\nout = \"{out}\"\n"
        )
    }

    fn plan(
        dir: &std::path::Path,
        text: &str,
        output_root: Option<&std::path::Path>,
    ) -> Result<dfbench_store::RunPlan, PlanError> {
        let roots = std::collections::BTreeMap::new();
        plan_run(&RunRequest {
            suite_text: text,
            suite_origin: "p.toml",
            data_root: dir,
            data_roots: &roots,
            allow_missing: false,
            name: "",
            dfbench_version: "test",
            now_ms: 0,
            sampling: Default::default(),
            serve_roots: None,
            output_root,
        })
    }

    #[test]
    fn a_prepare_run_leases_its_recipe_and_folder_only_under_an_output_root() {
        let dir = tempfile::tempdir().expect("tmp");
        for video in ["FF-real/000.mp4", "FF-DF/000_003.mp4", "FF-DF/001_002.mp4"] {
            let path = dir.path().join("videos").join(video);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, b"not read at plan time").expect("write");
        }
        let refusal =
            |out: &str, root: Option<&std::path::Path>| match plan(dir.path(), &suite(out), root) {
                Ok(_) => panic!("a prepare run into {out} was planned"),
                Err(error) => error.to_string(),
            };
        let refused = refusal("o", None);
        assert!(refused.contains("--output-root"), "{refused}");
        let climbing = refusal("../o", Some(dir.path()));
        assert!(climbing.contains("`..`"), "{climbing}");

        let planned = plan(dir.path(), &suite("o"), Some(dir.path())).expect("plan");
        let detector = &planned.detectors[0];
        assert_eq!(
            detector.fingerprint.as_deref(),
            Some(sha256_hex(b"{\"size\":64}").as_str())
        );
        let lease = PrepareLease::from_json(detector.card.as_deref().unwrap_or_default());
        assert_eq!(lease.map(|lease| lease.out), Ok("o".to_string()));
        assert_eq!(planned.samples.len(), 3);
        let shard_sizes: Vec<usize> = planned
            .shards
            .iter()
            .map(|shard| shard.sample_indices.len())
            .collect();
        assert_eq!(shard_sizes, [2, 1]);
    }
}
