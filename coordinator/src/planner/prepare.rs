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
