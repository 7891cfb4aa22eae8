"""`dfbench import` for a family released as several nets, one state dict each (`Family.nets`;
MTCNN's pnet.pt, rnet.pt, onet.pt): `--weights` names the folder holding them. Each net is
loaded strictly from its own file (checkpoint.py), traced to its own TorchScript file (and, with
`--onnx`, exported to ONNX), and its saved model checked against the eager net. The result lists
every file with its sha256 for the card `dfbench` writes (a face-detector card: its output is
boxes and landmarks, computed by dfbench's runtime around these nets, not a score).
"""

import os

import torch

import archive
import checkpoint

# Saved nets must reproduce the eager ones to this (every output).
PARITY_TOLERANCE = 1e-5


def released_files(family, folder):
    """{net: path} of the released files in `folder`, or ImportProblem naming what is missing."""
    names = [f"{name}.pt" for name, _, _ in family.nets]
    if not os.path.isdir(folder):
        raise checkpoint.ImportProblem(
            f"family `{family.name}` is released as {len(names)} files ({', '.join(names)}): "
            f"--weights takes the folder holding them (for mtcnn, facenet-pytorch's "
            f"facenet_pytorch/data), and {folder} is not a folder")
    missing = [name for name in names if not os.path.isfile(os.path.join(folder, name))]
    if missing:
        raise checkpoint.ImportProblem(
            f"{folder} lacks {', '.join(missing)} of family `{family.name}` "
            f"(it needs {', '.join(names)}); no model was written")
    return {name: os.path.join(folder, f"{name}.pt") for name, _, _ in family.nets}


def example_input(side, batch, height=None, width=None, generator=None):
    """Zeros for tracing, or (with `generator`) noise around three brightness levels in the
    range the detector feeds its nets, (pixel − 127.5) / 128."""
    shape = (batch, 3, height or side, width or side)
    if generator is None:
        return torch.zeros(shape)
    levels = torch.linspace(-0.6, 0.6, batch).view(batch, 1, 1, 1)
    return (levels + 0.4 * (2 * torch.rand(shape, generator=generator) - 1)).clamp(-1, 1)


def parity(net, saved_path, side, device):
    """Max |saved − eager| over every output on a seeded batch of 3 (and for the fully
    convolutional PNet, an input size the trace did not see)."""
    generator = torch.Generator().manual_seed(22)
    height, width = (37, 29) if side == 12 else (side, side)
    batch = example_input(side, 3, height, width, generator).to(device)
    saved = torch.jit.load(saved_path, map_location=device)
    with torch.no_grad():
        want, got = net(batch), saved(batch)
    worst = max((a - b).abs().max().item() for a, b in zip(want, got))
    return {"batch": 3, "input": list(batch.shape), "max_abs_output": worst,
            "output_shapes": [list(tensor.shape) for tensor in got]}


def export(family, folder, out, device, onnx, export_onnx):
    """Exports every net of `family` from `folder` into `out`; returns the result's fields."""
    files = released_files(family, folder)
    container = family.module()
    os.makedirs(out, exist_ok=True)
    nets = {}
    for name, side, outputs in family.nets:
        net = getattr(container, name)
        notes = checkpoint.load_strict(net, f"{family.name} ({name})", files[name],
                                       family.prefixes)
        try:
            net = net.to(device).eval()
        except (RuntimeError, AssertionError) as error:
            raise checkpoint.ImportProblem(
                f"--device {device} is not usable here ({error}); use --device cpu") from error
        example = example_input(side, 2).to(device)
        model = f"{family.name}-{name}.pt"
        model_path = os.path.join(out, model)
        with torch.no_grad():
            frozen = torch.jit.freeze(torch.jit.trace(net, example), optimize_numerics=False)
        archive.save_reproducible(frozen, model_path)
        check = parity(net, model_path, side, device)
        if check["max_abs_output"] > PARITY_TOLERANCE:
            os.remove(model_path)
            raise checkpoint.ImportProblem(
                f"the traced {name} differs from the eager one by {check['max_abs_output']:.3e} "
                f"(tolerance {PARITY_TOLERANCE}); no model was written")
        onnx_model = None
        if onnx:
            onnx_model = f"{family.name}-{name}.onnx"
            spatial = {2: "height", 3: "width"} if side == 12 else {}
            axes = {"input": {0: "batch", **spatial}}
            axes.update({output: {0: "batch", **spatial} for output in outputs})
            export_onnx(net, example, os.path.join(out, onnx_model), list(outputs), axes)
        nets[name] = {"released": f"{name}.pt", "sha256": checkpoint.sha256_of(files[name]),
                      "model": model, "onnx": onnx_model, "parity": check, "load": notes}
    return {"family": family.name, "card": family.card, "nets": nets, "onnx": onnx,
            "torch": torch.__version__}
