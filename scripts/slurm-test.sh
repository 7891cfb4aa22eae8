#!/usr/bin/env bash
# The cluster path, run for real: deploy/slurm's recipes on a throwaway single-node Slurm
# cluster (scripts/slurm-throwaway.sh), used unchanged as deploy/README.md tells a user, with
# only sbatch's own options and environment. Submits coordinator.sbatch (Postgres, a token), a
# two-task workers.sbatch array on CPU, runs the quickstart suite through the coordinator,
# `scancel`s one array task while it holds a lease, and checks that the run finishes with every
# sample scored exactly once, no failure counted, and metrics equal to a local run's.
#   scripts/slurm-test.sh              # needs DATABASE_URL (a Postgres server; test.sh has one)
# The dfbench binary is $DFBENCH_BIN, else $CARGO_TARGET_DIR/debug/dfbench (built here).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

: "${DATABASE_URL:?set DATABASE_URL to a Postgres server (scripts/pg-throwaway.sh start DIR)}"
if [ -z "${DFBENCH_BIN:-}" ]; then
  cargo build -q -p dfbench --bin dfbench
  DFBENCH_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/dfbench"
fi
[ -x "$DFBENCH_BIN" ] || { echo "no dfbench binary at $DFBENCH_BIN (set DFBENCH_BIN)" >&2; exit 1; }
bin_dir=$(mktemp -d /tmp/dfbench-slurm-bin.XXXXXX)
ln -s "$(realpath "$DFBENCH_BIN")" "$bin_dir/dfbench"
export PATH="$bin_dir:$PATH"

work=$(mktemp -d /tmp/dfbench-slurm-work.XXXXXX)
slurm_dir=$(mktemp -d /tmp/dfbench-slurm.XXXXXX)
run_pid=""
cleanup() {
  local status=$?
  if [ -n "$run_pid" ]; then kill "$run_pid" 2>/dev/null || true; fi
  if [ "$status" -ne 0 ]; then
    echo "--- slurm test failed; job logs:" >&2
    tail -n 30 "$work"/*.log >&2 2>/dev/null || true
  fi
  "$repo/scripts/slurm-throwaway.sh" stop "$slurm_dir"
  rm -rf "$work" "$bin_dir"
}
trap cleanup EXIT
eval "$(scripts/slurm-throwaway.sh start "$slurm_dir")"

# A fresh database on the Postgres server for this test.
db="dfbench_slurm_$$"
psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
database_url="${DATABASE_URL%/*}/$db"

cd "$work"
dfbench synth --out demo-data >/dev/null
suite="$repo/benchmarks/suites/quickstart.toml"
dfbench run "$suite" --database-url sqlite:local.db --out local >local-run.out 2>local-run.err

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
export DFBENCH_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
export DFBENCH_SHARED="$work/shared"
export DFBENCH_PORT=$(free_port) DFBENCH_METRICS_PORT=$(free_port)
# Fit this node: one CPU and 1 GiB per job (sbatch's options override the #SBATCH lines).
fit=(--cpus-per-task=1 --mem=1G --chdir="$work")

coordinator_job=$(sbatch --parsable "${fit[@]}" --output="$work/coordinator-%j.log" \
  --export=ALL,DFBENCH_DATABASE_URL="$database_url",DFBENCH_SERVE_ROOTS="$work" \
  "$repo/deploy/slurm/coordinator.sbatch")
echo "submitted coordinator.sbatch: job $coordinator_job"
# Workers on CPU, throttled (4 samples per chunk, 0.5 s each) so a shard lasts seconds.
worker_job=$(sbatch --parsable "${fit[@]}" --array=0-1 --output="$work/worker-%A_%a.log" \
  --export=ALL,DFBENCH_DEVICE=cpu,DFBENCH_CHUNK_SIZE=4,DFBENCH_CHUNK_DELAY_MS=500 \
  "$repo/deploy/slurm/workers.sbatch")
echo "submitted workers.sbatch --array=0-1: job $worker_job"

url_file="$DFBENCH_SHARED/coordinator-$coordinator_job.url"
for _ in $(seq 120); do [ -s "$url_file" ] && break; sleep 0.5; done
[ -s "$url_file" ] || { echo "the coordinator wrote no $url_file" >&2; exit 1; }
url=$(head -n 1 "$url_file")
echo "coordinator listening at $url"

dfbench run "$suite" --coordinator "$url" --database-url "$database_url" --out cluster \
  >cluster-run.out 2>cluster-run.err &
run_pid=$!

# The first worker seen holding a lease is cancelled mid-shard.
victim=""
for _ in $(seq 240); do
  victim=$(psql "$database_url" -tA -c \
    "SELECT lease_owner FROM shards WHERE state = 'leased' AND lease_owner LIKE 'slurm-%' ORDER BY id LIMIT 1" || true)
  [ -n "$victim" ] && break
  sleep 0.25
done
[ -n "$victim" ] || { echo "no worker ever held a lease" >&2; exit 1; }
task=${victim##*-}
echo "scancel ${worker_job}_$task (worker $victim holds a lease)"
scancel "${worker_job}_$task"

if ! wait "$run_pid"; then
  run_pid=""
  echo "the run through the coordinator failed:" >&2
  cat cluster-run.err >&2
  exit 1
fi
run_pid=""

# The cancelled worker released its shard (its log says so) and another worker finished it.
victim_log="$work/worker-${worker_job}_$task.log"
grep -q 'worker stopped: .* 1 released' "$victim_log" || {
  echo "worker $victim did not release its shard:" >&2
  cat "$victim_log" >&2
  exit 1
}

# Every (detector, sample) exactly once: the exported predictions, keyed by detector and path.
dfbench export --run latest --database-url "$database_url" --out cluster.csv >/dev/null
dfbench export --run latest --database-url sqlite:local.db --out local.csv >/dev/null
read -r scored failed duplicates <<<"$(python3 - cluster.csv <<'PY'
import csv, collections, sys
rows = list(csv.DictReader(open(sys.argv[1])))
keys = collections.Counter(
    (r["detector"], r["dataset"], r["perturbation"], r["sample_path"], r["clip_index"]) for r in rows)
failed = sum(1 for r in rows if r["failure"])
print(len(rows) - failed, failed, sum(n - 1 for n in keys.values()))
PY
)"
local_rows=$(($(wc -l <local.csv) - 1))
read -r shard_failures losses <<<"$(psql "$database_url" -tA -F ' ' -c \
  "SELECT COALESCE(SUM(failures), 0), COALESCE(SUM(losses), 0) FROM shards")"
echo "final counts: scored=$scored failed=$failed duplicates=$duplicates (local run: $local_rows; shard failures=$shard_failures, lost leases=$losses)"
if [ "$failed" != 0 ] || [ "$duplicates" != 0 ] || [ "$shard_failures" != 0 ] || [ "$losses" != 0 ] \
  || [ "$scored" != "$local_rows" ]; then
  echo "expected $local_rows predictions, none failed or duplicated, no shard failure or lost lease" >&2
  exit 1
fi

# Metrics equal the local run's (every detector, dataset, slice, level and metric).
metric_columns="detector, dataset, perturbation, slice, level, metric, value, undefined_reason, n_real, n_fake"
sqlite3 -csv local.db "SELECT $metric_columns FROM metrics" >local-metrics.csv
psql "$database_url" --csv -t -c "SELECT $metric_columns FROM metrics" >cluster-metrics.csv
python3 - local-metrics.csv cluster-metrics.csv <<'PY'
import csv, sys
def load(path):
    out = {}
    for row in csv.reader(open(path)):
        if row:
            value = float(row[6]) if row[6] else None
            out[tuple(row[:6])] = (value, row[7], int(row[8]), int(row[9]))
    return out
local, cluster = load(sys.argv[1]), load(sys.argv[2])
assert local, "the local run stored no metrics"
assert local.keys() == cluster.keys(), f"metric cells differ: {sorted(local.keys() ^ cluster.keys())[:5]}"
for key, (value, reason, n_real, n_fake) in local.items():
    other = cluster[key]
    same = (value is None and other[0] is None) or (value is not None and other[0] is not None and abs(value - other[0]) <= 1e-12)
    assert same and (reason, n_real, n_fake) == other[1:], f"{key}: local {local[key]}, cluster {other}"
print(f"metrics: {len(local)} cells equal to the local run's")
PY

# deploy/nightly/nightly.sh against the same coordinator (the surviving worker task): a first
# night becomes the baseline, a clean second night passes and is promoted, and a third night
# whose `npr` detector was swapped for the weaker spectral statistic (same name, spectral's
# fingerprint, so spectral's stored scores are reused under it) regresses: exit 1, not promoted, a compare page. The site
# is regenerated every night.
sed 's/^name = "npr"$/name = "npr"\nbuiltin = "spectral"/' "$suite" >regressed.toml
grep -q '^builtin = "spectral"' regressed.toml || { echo "could not write regressed.toml" >&2; exit 1; }
night() { # night TAG SUITE → nightly.sh's exit status
  local status=0
  DFBENCH_COORDINATOR="$url" DFBENCH_DATABASE_URL="$database_url" TAG="$1" SUITE="$2" \
    OUT=nightly-out/runs "$repo/deploy/nightly/nightly.sh" >"night-$1.log" 2>&1 || status=$?
  echo "$status"
}
for spec in "night-1 $suite 0" "night-2 $suite 0" "night-3 regressed.toml 1"; do
  read -r tag night_suite expected <<<"$spec"
  status=$(night "$tag" "$night_suite")
  echo "nightly.sh TAG=$tag SUITE=$(basename "$night_suite"): exit $status ($(grep '^nightly:' "night-$tag.log" | tail -n 1))"
  if [ "$status" != "$expected" ]; then
    echo "expected exit $expected from the $tag night:" >&2
    cat "night-$tag.log" >&2
    exit 1
  fi
  [ -s nightly-out/site/index.html ] || { echo "the $tag night regenerated no site" >&2; exit 1; }
done
promoted=$(dfbench runs --database-url "$database_url" --limit 100 \
  | awk -F'\t' '$2 == "nightly" && /promoted/' | sed -n 's/.*tags \[\([^]]*\)\].*/\1/p' | sort | tr '\n' ' ')
[ "$promoted" = "night-1 night-2 " ] || { echo "expected night-1 and night-2 promoted, not night-3; got: $promoted" >&2; exit 1; }
compare_page=$(sed -n 's/^comparison: //p' night-night-3.log)
[ -s "$compare_page" ] || { echo "the regressed night wrote no compare page" >&2; exit 1; }
grep -q '| regressed .*| npr |' night-night-3.log || { echo "the regressed night did not name npr:" >&2; cat night-night-3.log >&2; exit 1; }
compare_dir=$(basename "$(dirname "$compare_page")")
grep -rqF "$compare_dir" nightly-out/site --include='*.html' || { echo "the site does not link $compare_dir" >&2; exit 1; }
echo "nightly: promoted tags: $promoted; night-3 not promoted; its compare page $compare_page names npr and the site links it"

# Cancelling the coordinator job stops it cleanly, and its URL file goes with it.
scancel "$coordinator_job" "$worker_job"
for _ in $(seq 60); do [ -e "$url_file" ] || break; sleep 0.5; done
[ ! -e "$url_file" ] || { echo "the cancelled coordinator left $url_file behind" >&2; exit 1; }
echo "scancel $coordinator_job: the coordinator removed $url_file"
echo "slurm test passed"
