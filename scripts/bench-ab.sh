#!/usr/bin/env bash
# Before/after figures for a change to the store or the coordinator: `dfbench bench scheduler` on
# PostgreSQL and on SQLite, and `dfbench bench reuse`, run A B A B with two dfbench binaries (release
# builds, each from its own target dir: two checkouts sharing one target dir overwrite each
# other's workspace crates). Each PostgreSQL run gets a fresh database in one throwaway cluster, as
# the two builds' schemas may differ; the reuse bench runs one suite (default: the quickstart of
# BEFORE's checkout, so both sides score the same samples) on data from `dfbench synth`.
#
#   scripts/bench-ab.sh BEFORE_BIN AFTER_BIN [PAIRS] [SUITE]
#
# Prints every figure line, labelled; compare medians. SCHEDULER_ARGS (e.g. "--shards 2000
# --predictions 20000") is passed to both scheduler benches, for a quick smoke run; REUSE_ARGS
# (e.g. "--reruns 30") to both reuse benches. FIGURES (default "postgres sqlite reuse") picks
# which of the three to run. Run it on a quiet machine (no builds):
# on 2 shared cores one niced build spreads the PostgreSQL cycle figure by ±25 %.
set -euo pipefail
before=${1:?usage: bench-ab.sh BEFORE_BIN AFTER_BIN [PAIRS] [SUITE]}
after=${2:?usage: bench-ab.sh BEFORE_BIN AFTER_BIN [PAIRS] [SUITE]}
pairs=${3:-3}
suite=${4:-}
here=$(cd "$(dirname "$0")/.." && pwd)
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
work=$(mktemp -d /tmp/dfbench-ab.XXXXXX)
chmod 755 "$work" # the cluster runs as the postgres user, in a folder below it
read -r -a scheduler_args <<<"${SCHEDULER_ARGS:-}"
read -r -a reuse_args <<<"${REUSE_ARGS:-}"
figures=" ${FIGURES:-postgres sqlite reuse} "
wanted() { [[ $figures == *" $1 "* ]]; }
cleanup() { "$here/scripts/pg-throwaway.sh" stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT
eval "$("$here/scripts/pg-throwaway.sh" start "$work/pg")"
port=$(cat "$work/pg/port")
export PATH="$pg_bin:$PATH"

cd "$work"
"$after" synth --out "$work" >/dev/null
if [ -z "$suite" ]; then
  suite="$work/quickstart.toml"
  # The image part of the quickstart, which every build since the reuse bench can run.
  printf '%s\n' 'name = "quickstart"' 'shard_size = 32' 'perturbations = ["none"]' \
    '[[datasets]]' 'name = "demo"' 'format = "cnnspot"' 'root = "cnnspot"' \
    '[[detectors]]' 'name = "spectral"' 'kind = "builtin"' \
    '[[detectors]]' 'name = "npr"' 'kind = "builtin"' >"$suite"
fi

# Pairs alternate their order (A B, B A, …), so that neither side always runs second, in the
# wake of the other's work.
order() { if [ $(($1 % 2)) = 1 ]; then echo before after; else echo after before; fi; }
for i in $(seq "$pairs"); do
  wanted postgres || break
  for side in $(order "$i"); do
    bin=${!side}
    db="ab_${side}_$i"
    "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
    "$bin" bench scheduler --postgres-url "postgres://postgres@127.0.0.1:$port/$db" --no-sqlite "${scheduler_args[@]}" 2>&1 |
      grep -E '^postgres: (cycles|ingest)' | sed "s/^/$side $i /"
    # A run leaves a million rows behind: dropped at once, autovacuum cannot analyse them
    # during the next run's timed window.
    "$pg_bin/dropdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
  done
done
for i in $(seq "$pairs"); do
  wanted sqlite || break
  for side in $(order "$i"); do
    bin=${!side}
    "$bin" bench scheduler "${scheduler_args[@]}" 2>&1 | grep -E '^sqlite: (cycles|ingest)' | sed "s/^/$side $i /"
  done
done
for i in $(seq "$pairs"); do
  wanted reuse || break
  for side in $(order "$i"); do
    bin=${!side}
    "$bin" bench reuse --suite "$suite" --data-root "$work" "${reuse_args[@]}" 2>&1 | grep -E '^(rerun|ratio):' |
      sed "s/^/$side $i reuse /"
  done
done
