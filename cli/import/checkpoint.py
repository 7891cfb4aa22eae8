"""Reading a released checkpoint into a family's module, strictly.

A checkpoint is accepted only when, after unwrapping its dict wrapper (`state_dict`, `model`, ...)
and stripping the wrapper prefixes the family allows (`module.` from DataParallel, `backbone.`
from DeepfakeBench's detector), its keys and shapes equal the module's `state_dict` exactly. Any
missing key, unexpected key or shape mismatch raises `ImportProblem` listing the first offenders,
so a partly loaded model can never be exported.
"""

import hashlib

import torch

# Keys under which training scripts nest the weights (CNNSpot/NPR: `model`; many: `state_dict`).
WRAPPER_KEYS = ("state_dict", "model", "model_state_dict", "net", "network", "weights")
# Offenders listed per category in an error.
SHOWN = 8


class ImportProblem(Exception):
    """A checkpoint that does not fit the family; the message says what to do."""


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_checkpoint(path):
    """The file's object, loaded on the CPU without running pickled code where torch allows."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as safe_error:  # noqa: BLE001 - retried below, reported if both fail
        try:
            return torch.load(path, map_location="cpu", weights_only=False)
        except Exception as error:  # noqa: BLE001
            raise ImportProblem(
                f"{path} is not a PyTorch checkpoint torch.load can read: {error} "
                f"(weights-only load: {safe_error})"
            ) from error


def is_tensor_dict(value):
    return isinstance(value, dict) and value and all(
        isinstance(item, torch.Tensor) for item in value.values()
    )


def unwrap(obj, path):
    """The flat name → tensor dict inside `obj`, descending through known wrapper keys."""
    trail = []
    while not is_tensor_dict(obj):
        if not isinstance(obj, dict):
            raise ImportProblem(
                f"{path}: found a {type(obj).__name__} where a state dict was expected; "
                "export the model's state_dict() (a full pickled model is not supported)"
            )
        inner = next((key for key in WRAPPER_KEYS if isinstance(obj.get(key), dict)), None)
        if inner is None:
            tensors = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
            if tensors and len(tensors) >= len(obj) // 2:
                # Mostly tensors plus a few scalars (e.g. an `epoch` counter): keep the tensors.
                return tensors, trail
            raise ImportProblem(
                f"{path}: no state dict found under {'/'.join(trail) or 'the top level'}; "
                f"its keys are {sorted(map(str, obj))[:SHOWN]}; expected one of {list(WRAPPER_KEYS)}"
            )
        trail.append(inner)
        obj = obj[inner]
    return obj, trail


def strip_prefixes(weights, prefixes):
    """Strips each allowed prefix that every key carries (repeatedly, in any order)."""
    stripped = []
    changed = True
    while changed:
        changed = False
        for prefix in prefixes:
            if weights and all(key.startswith(prefix) for key in weights):
                weights = {key[len(prefix):]: value for key, value in weights.items()}
                stripped.append(prefix)
                changed = True
    return weights, stripped


def optional_key(name):
    # BatchNorm's step counter: absent from checkpoints saved before PyTorch 0.4.1, unused in eval.
    return name.endswith("num_batches_tracked")


def compare(expected, weights):
    """(missing, unexpected, mismatched) between the module's state and the checkpoint."""
    missing = [k for k in expected if k not in weights and not optional_key(k)]
    unexpected = [k for k in weights if k not in expected]
    mismatched = [
        (k, tuple(weights[k].shape), tuple(expected[k].shape))
        for k in expected
        if k in weights and tuple(weights[k].shape) != tuple(expected[k].shape)
    ]
    return missing, unexpected, mismatched


def describe(family, path, missing, unexpected, mismatched):
    lines = [f"{path} does not fit family `{family}`:"]
    if missing:
        lines.append(f"  {len(missing)} missing key(s): " + ", ".join(missing[:SHOWN]))
    if unexpected:
        lines.append(f"  {len(unexpected)} unexpected key(s): " + ", ".join(unexpected[:SHOWN]))
    for key, got, want in mismatched[:SHOWN]:
        lines.append(f"  shape mismatch: {key} is {list(got)} in the checkpoint, {list(want)} in {family}")
    if len(mismatched) > SHOWN:
        lines.append(f"  ... and {len(mismatched) - SHOWN} more shape mismatch(es)")
    lines.append(
        f"  check --family (`dfbench import --list`; `dfbench import --family {family} --keys` "
        "prints the expected keys and shapes); no model was written"
    )
    return "\n".join(lines)


def drop_derived(module, weights, derived):
    """`weights` without the `derived` keys: buffers an older library version saved that `module`
    recomputes (non-persistent, e.g. transformers' `position_ids`). Each must equal the module's
    own value; returns the dropped names."""
    buffers = dict(module.named_buffers())
    dropped = []
    for key in derived:
        if key not in weights:
            continue
        own = buffers.get(key)
        if own is None or tuple(own.shape) != tuple(weights[key].shape) or not torch.equal(
                own.to(weights[key].dtype), weights[key]):
            raise ImportProblem(
                f"{key} in the checkpoint differs from the value the module computes; "
                "the checkpoint does not come from this family's code")
        dropped.append(key)
    return {key: value for key, value in weights.items() if key not in dropped}, dropped


def load_strict(module, family, path, prefixes, derived=()):
    """Loads `path` into `module` or raises ImportProblem; returns notes on what was unwrapped."""
    weights, trail = unwrap(read_checkpoint(path), path)
    weights, stripped = strip_prefixes(weights, prefixes)
    weights, dropped = drop_derived(module, weights, derived)
    expected = module.state_dict()
    missing, unexpected, mismatched = compare(expected, weights)
    if missing or unexpected or mismatched:
        raise ImportProblem(describe(family, path, missing, unexpected, mismatched))
    complete = dict(weights)
    for key in expected:
        if key not in complete:  # only optional keys reach here
            complete[key] = expected[key]
    module.load_state_dict(complete, strict=True)
    notes = {"unwrapped": trail, "stripped_prefixes": stripped, "tensors": len(weights)}
    if dropped:
        notes["dropped_derived"] = dropped
    return notes
