#!/usr/bin/env bash
# Checks deploy/k8s offline: every manifest validated against the Kubernetes API schemas
# (PyPI `kubernetes-validate`, which carries them; installed into a venv cached under
# ~/.cache/dfbench), then what schemas cannot say: the coordinator has readiness and liveness
# probes, every container requests CPU and memory, every pod's termination grace period leaves
# a worker time to release its shard, and every environment variable a manifest sets is one
# the dfbench binary reads (a clap `env = "…"` in cli/src).
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${DFBENCH_CACHE:-$HOME/.cache/dfbench}
venv="$cache/k8s-venv"
if ! "$venv/bin/kubernetes-validate" --version >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'kubernetes-validate==1.*'
fi

manifests=(deploy/k8s/*.yaml)
# Validated against the newest schema the package carries, strictly (unknown fields are errors).
"$venv/bin/kubernetes-validate" --strict "${manifests[@]}"

grep -rhoE 'env = "[A-Z0-9_]+"' cli/src | sed -E 's/env = "(.*)"/\1/' | sort -u >"${TMPDIR:-/tmp}/dfbench-env-names.$$"
trap 'rm -f "${TMPDIR:-/tmp}/dfbench-env-names.$$"' EXIT
"$venv/bin/python" - "${TMPDIR:-/tmp}/dfbench-env-names.$$" "${manifests[@]}" <<'PY'
import sys, yaml

# A worker releases its shard within seconds of SIGTERM (a bounded ReleaseShard call after
# storing the chunks already sent); the grace period must leave room for that.
MIN_GRACE_S = 30
known = set(open(sys.argv[1]).read().split())
assert known, "no clap env names found in cli/src"
problems, checked = [], []
for path in sys.argv[2:]:
    for doc in yaml.safe_load_all(open(path)):
        if not doc or doc.get("kind") not in ("Deployment", "Job"):
            continue
        name = f'{path}: {doc["kind"]} {doc["metadata"]["name"]}'
        pod = doc["spec"]["template"]["spec"]
        grace = pod.get("terminationGracePeriodSeconds")
        if grace is None or grace < MIN_GRACE_S:
            problems.append(f"{name}: terminationGracePeriodSeconds {grace} (at least {MIN_GRACE_S})")
        for container in pod["containers"]:
            where = f'{name} container {container["name"]}'
            requests = container.get("resources", {}).get("requests", {})
            for resource in ("cpu", "memory"):
                if resource not in requests:
                    problems.append(f"{where}: no {resource} request")
            args = container.get("args", [])
            if args and args[0] == "coordinator":
                for probe in ("readinessProbe", "livenessProbe"):
                    if probe not in container:
                        problems.append(f"{where}: no {probe}")
            for env in container.get("env", []):
                if env["name"] not in known:
                    problems.append(f'{where}: sets {env["name"]}, which dfbench does not read')
            checked.append(where)
assert checked, "no Deployment or Job found"
for line in checked:
    print(f"checked {line}")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"k8s: {len(checked)} containers have probes (coordinator), requests, grace >= {MIN_GRACE_S}s and known env names")
PY
