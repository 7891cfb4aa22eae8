#!/usr/bin/env bash
# Nightly regression job: run a suite against a coordinator, compare it with the last good run,
# and promote it when it passes. Cron or CI calls this once a night (see crontab.example and
# github-actions.example.yml next to it).
#
# Needs: DFBENCH_COORDINATOR (http://host:50551), DFBENCH_DATABASE_URL (the coordinator's
# database, read for reports and comparisons), DFBENCH_TOKEN when the coordinator requires one.
# Optional: SUITE, NAME (run name; comparisons stay within it), TAG (default: today, UTC),
# OUT (report folder), DATA_ROOT_ARGS (e.g. "--data-root rgb=/shared/rgb"), COMPARE_ARGS (extra
# `dfbench compare` flags, e.g. "--max-failure-increase 1 --holm-family all"), SITE (leaderboard
# site folder, regenerated after the night), SITE_ARGS (extra `dfbench site` flags).
#
# Unchanged detectors and datasets are not recomputed: predictions with the same detector
# fingerprint, dataset fingerprint, sample path and perturbation are reused from earlier runs,
# so a night where nothing changed finishes in seconds.
#
# The gate (`dfbench compare`, see README): a cell regresses when its AUC dropped by more than
# --max-drop with a Holm-corrected paired DeLong p below --alpha, when the candidate fails on
# more of its samples than the baseline by over --max-failure-increase percentage points
# (`failures`, default 0.5 and at least one sample) or on all of them (`all failed`), or when a
# collapsed detector's AUC dropped with zero variance (`deterministic drop`: every sample moved
# the same way). A cell that cannot be tested for another reason (e.g. the baseline failed
# everywhere) makes the night not comparable (exit 2) instead of passing; COMPARE_ARGS can add
# --allow-undefined to judge the other cells anyway. The Holm family is `changed` (cells whose
# scores differ; reused, identical cells have p = 1 and cannot regress); COMPARE_ARGS can set
# --holm-family all for the stricter family.
#
# Exit: 0 passed (and promoted), 1 regression (candidate not promoted), 2 the comparison could
# not be made (different dataset versions, cells that cannot be tested) or the run failed.
set -euo pipefail

: "${DFBENCH_COORDINATOR:?set DFBENCH_COORDINATOR to the coordinator URL}"
: "${DFBENCH_DATABASE_URL:?set DFBENCH_DATABASE_URL to the coordinator database}"
SUITE=${SUITE:-benchmarks/suites/quickstart.toml}
NAME=${NAME:-nightly}
TAG=${TAG:-$(date -u +%F)}
OUT=${OUT:-reports-out/nightly}
DFBENCH=${DFBENCH:-dfbench}
export DFBENCH_COORDINATOR DFBENCH_DATABASE_URL

# shellcheck disable=SC2086 # DATA_ROOT_ARGS is a list of flags
if ! "$DFBENCH" run "$SUITE" --name "$NAME" --tag "$TAG" --out "$OUT" ${DATA_ROOT_ARGS:-}; then
  echo "nightly: the run of $SUITE did not finish cleanly; nothing compared or promoted" >&2
  exit 2
fi
candidate="tag:$TAG"

# The leaderboard site (SITE, default $OUT/../site) shows the night whatever its verdict, the
# first night included.
regenerate_site() {
  # shellcheck disable=SC2086 # SITE_ARGS is a list of flags
  "$DFBENCH" site --out "${SITE:-$(dirname "$OUT")/site}" --reports "$OUT" --reports reports-out ${SITE_ARGS:-} ||
    echo "nightly: the leaderboard site could not be regenerated" >&2
}

# First night of this NAME: nothing to compare with yet, so the run becomes the baseline.
if ! "$DFBENCH" runs --limit 1000 | awk -F'\t' -v name="$NAME" '$2 == name && /promoted/ { found = 1 } END { exit !found }'; then
  echo "nightly: no promoted $NAME run yet; promoting $candidate as the first baseline"
  "$DFBENCH" promote "$candidate"
  regenerate_site
  exit 0
fi

set +e
# The compare page lands in reports-out/compare-<baseline>-vs-<candidate>/, where the site
# links it from the candidate's run page.
# shellcheck disable=SC2086 # COMPARE_ARGS is a list of flags
"$DFBENCH" compare --baseline "latest-good:$NAME" --candidate "$candidate" ${COMPARE_ARGS:-}
verdict=$?
set -e
case $verdict in
  0)
    "$DFBENCH" promote "$candidate"
    echo "nightly: $candidate passed against latest-good:$NAME and is now latest-good"
    ;;
  1)
    echo "nightly: $candidate regressed against latest-good:$NAME ; not promoted" >&2
    ;;
  *)
    echo "nightly: $candidate could not be compared with latest-good:$NAME (exit $verdict); not promoted" >&2
    verdict=2
    ;;
esac
regenerate_site
exit "$verdict"
