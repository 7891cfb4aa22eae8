"""`dfbench import`'s exporter, run by the torch venv's python (scripts/setup-torch.sh).

Commands (the `dfbench` binary writes these files to a temporary folder and runs them):
  list                         families as JSON lines
  keys FAMILY                  the full-size module's state_dict names and shapes
  export FAMILY WEIGHTS OUT DEVICE ONNX RESULT [ENCODER]
      builds the family's module, loads WEIGHTS strictly (checkpoint.py; for a family released
      as two files, such as UnivFD's probe plus its CLIP encoder, also ENCODER), traces it to
      OUT/model.pt (eval, frozen), optionally OUT/model.onnx, checks the saved model's outputs
      against the eager module's, and writes RESULT (JSON): the card fields, checkpoint sha256,
      parity figures, or {"error": ...} for a checkpoint that does not fit. For a family
      released as several nets (MTCNN), WEIGHTS is the folder of their files and RESULT lists
      each net's files instead (export_nets.py).
Python is an offline tool here: the card's model is scored by dfbench's own runtime.
"""

import json
import os
import sys

import torch

import archive
import checkpoint
import export_nets
import families

# Outputs of the saved model must equal the eager module's to this (P(fake) and raw outputs).
PARITY_TOLERANCE = 1e-5


def manifest_lines(module):
    return [f"{name} {list(tensor.shape)}" for name, tensor in module.state_dict().items()]


def command_list():
    for family in families.FAMILIES:
        print(json.dumps({"name": family.name, "summary": family.summary,
                          "upstream": family.upstream, "loader": family.loader,
                          "card": family.card,
                          "reduced": family.reduced is not None,
                          "encoder": family.encoder is not None,
                          "onnx": family.onnx_refusal is None,
                          "nets": [name for name, _, _ in family.nets or ()]}))


def command_keys(name):
    print("\n".join(manifest_lines(families.get(name).module())))


def probability(outputs, kind):
    if kind == "two-class":
        return torch.softmax(outputs, dim=1)[:, 1]
    if kind == "logit":
        return torch.sigmoid(outputs.reshape(-1))
    return outputs.reshape(-1)


def parity(eager, saved_path, family, kind, device):
    """Max |saved − eager| over raw outputs and P(fake) on a seeded batch of 3 (a batch size the
    trace did not see, so batch-dependent shapes would show)."""
    generator = torch.Generator().manual_seed(18)
    # Noise around a different brightness per image, so the three outputs differ.
    shape = family.input_shape(3)
    levels = torch.tensor([-0.6, 0.0, 0.6]).view(3, *([1] * (len(shape) - 1)))
    batch = (levels + 0.4 * family.random_input(3, generator)).to(device)
    saved = torch.jit.load(saved_path, map_location=device)
    with torch.no_grad():
        want, got = eager(batch), saved(batch)
    raw = (want - got).abs().max().item()
    prob = (probability(want, kind) - probability(got, kind)).abs().max().item()
    return {"batch": 3, "max_abs_output": raw, "max_abs_probability": prob,
            "output_shape": list(got.shape),
            "p_fake": [round(p, 6) for p in probability(got, kind).tolist()]}


def families_with_encoder():
    return [family.name for family in families.FAMILIES if family.encoder is not None]


def load_weights(family, module, weights, encoder):
    """Loads the checkpoint (and, for two-file families, the --encoder file) into `module`."""
    takers = ", ".join(families_with_encoder()) or "none"
    if family.encoder is None:
        if encoder is not None:
            raise checkpoint.ImportProblem(
                f"--encoder is not used by family `{family.name}`: its checkpoint is one file "
                f"(--encoder is for {takers}); drop --encoder")
        return checkpoint.load_strict(module, family.name, weights, family.prefixes,
                                      family.derived)
    if encoder is None:
        raise checkpoint.ImportProblem(
            f"family `{family.name}` is released as two files: --weights takes its head and "
            "--encoder FILE its encoder checkpoint (for univfd: --weights fc_weights.pth "
            "--encoder ViT-L-14.pt); --encoder is missing")
    return family.encoder(module, family.name, weights, encoder, family.prefixes)


def command_export(name, weights, out, device, onnx, result_path, encoder=None):
    family = families.get(name)
    if onnx and family.onnx_refusal:
        raise checkpoint.ImportProblem(
            f"--onnx is not available for `{name}`: {family.onnx_refusal}; import it without "
            "--onnx (the TorchScript model.pt is unaffected); no model was written")
    if family.nets is not None:
        if encoder is not None:
            raise checkpoint.ImportProblem(
                f"--encoder is not used by family `{name}`; drop --encoder")
        write_json(result_path, export_nets.export(family, weights, out, device, onnx,
                                                   export_onnx))
        return
    if os.path.isdir(weights):
        raise checkpoint.ImportProblem(
            f"--weights {weights} is a folder; family `{name}` is released as one checkpoint "
            "file: give its path")
    module = family.module()
    notes = load_weights(family, module, weights, encoder)
    try:
        module = module.to(device).eval()
    except (RuntimeError, AssertionError) as error:
        raise checkpoint.ImportProblem(
            f"--device {device} is not usable here ({error}); use --device cpu") from error
    example = torch.zeros(family.input_shape(2), device=device)
    os.makedirs(out, exist_ok=True)
    model_path = os.path.join(out, "model.pt")
    with torch.no_grad():
        traced = torch.jit.trace(module, example)
        # optimize_numerics=False: no pass that may move outputs beyond the parity tolerance.
        frozen = torch.jit.freeze(traced, optimize_numerics=False)
    archive.save_reproducible(frozen, model_path)
    check = parity(module, model_path, family, family.card["output"], device)
    if max(check["max_abs_output"], check["max_abs_probability"]) > PARITY_TOLERANCE:
        os.remove(model_path)
        raise checkpoint.ImportProblem(
            f"the traced model differs from the eager {name} module by "
            f"{check['max_abs_output']:.3e} (tolerance {PARITY_TOLERANCE}); no model was written")
    onnx_path = None
    if onnx:
        onnx_path = os.path.join(out, "model.onnx")
        export_onnx(module, example, onnx_path)
    extra = {}
    if encoder is not None:
        extra = {"encoder_sha256": checkpoint.sha256_of(encoder)}
    write_json(result_path, {
        **extra,
        "family": name,
        "card": family.card,
        "checkpoint_sha256": checkpoint.sha256_of(weights),
        "model": "model.pt",
        "onnx": onnx_path is not None,
        "parity": check,
        "load": notes,
        "torch": torch.__version__,
    })


def export_onnx(module, example, path, output_names=("output",), dynamic_axes=None):
    """TorchScript-based ONNX export (opset 17, dynamic batch unless `dynamic_axes` says more),
    checked by onnx's checker."""
    try:
        import onnx
    except ImportError as error:
        raise checkpoint.ImportProblem(
            "--onnx needs the `onnx` package in the torch venv: run scripts/setup-torch.sh"
        ) from error
    # nn.MultiheadAttention's inference fast path (aten::_native_multi_head_attention, taken by
    # open_clip's batch-first attention) has no ONNX form; its plain path computes the same.
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.no_grad():
            axes = dynamic_axes or {"input": {0: "batch"}, "output": {0: "batch"}}
            torch.onnx.export(module, example, path, input_names=["input"],
                              output_names=list(output_names), dynamic_axes=axes,
                              opset_version=17, dynamo=False)
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
    onnx.checker.check_model(path)


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle)


def check_family(name):
    if name not in families.BY_NAME:
        known = ", ".join(family.name for family in families.FAMILIES)
        raise checkpoint.ImportProblem(
            f"unknown family `{name}`: dfbench import knows {known} (`dfbench import --list`)")


def main(argv):
    command, args = argv[0], argv[1:]
    if command == "list":
        command_list()
    elif command == "keys":
        try:
            check_family(args[0])
        except checkpoint.ImportProblem as problem:
            print(problem, file=sys.stderr)
            return 3
        command_keys(args[0])
    elif command == "export":
        name, weights, out, device, onnx, result_path = args[:6]
        encoder = args[6] if len(args) > 6 else None
        try:
            check_family(name)
            command_export(name, weights, out, device, onnx == "1", result_path, encoder)
        except checkpoint.ImportProblem as problem:
            write_json(result_path, {"error": str(problem)})
            return 3
    else:
        print(f"unknown command {command}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
