"""Python anchor of `dfbench bench detector`: the same model timed end to end over the same files
(FILE_LIST: one path per line) by its runtime's own Python API, with the detector card's
preprocessing. Prints on stdout `img_per_s R1 R2 …`, one rate per timed round after a warm-up
round, and for ONNX also `forward_img_per_s R1 R2 …` (session.run on arrays prepared beforehand).

    python detector_anchor.py --runtime torchscript|onnx --model M --files FILE_LIST
        --input-size N --resize POLICY --resize-shorter S --mean R,G,B --std R,G,B
        --channel-order rgb|bgr --output logit|probability|two-class --batch-size B --threads T
        --loader-workers W --rounds R [--clip-size K --clip-input bcthw|btchw|thumbnail:RxC]

torchscript (the torch venv): a plain PyTorch eval loop, torch DataLoader with W workers, PIL
decode, torchvision transforms. With --clip-size K the files are frames in order, cut into
consecutive clips of K: each item decodes its K frames with PIL, transforms each, and stacks them
(T x C x H x W, permuted to C x T x H x W for bcthw; for a thumbnail tiled row-major and resized
back with F.interpolate(bilinear, align_corners=False)); the batch size counts clips and the rates
are clips per second.

onnx (the ONNX venv: onnxruntime, numpy, Pillow): a plain loop in one process, PIL decode, numpy
preprocessing mirroring the torchvision transforms, InferenceSession.run (graph optimisation all,
T intra-op threads, CPU); a fixed batch axis is padded. Images only.
"""

import argparse
import time

try:  # the torch venv; the ONNX venv has no torch (its path needs none of this)
    import torch
    from torch.nn import functional as F
    from torch.utils.data import DataLoader, Dataset
    from torchvision import transforms as T
except ImportError:
    torch = None
    Dataset = object
from PIL import Image


class Files(Dataset):
    def __init__(self, files, transform):
        self.files = files
        self.transform = transform

    def __len__(self):
        return len(self.files)

    def __getitem__(self, index):
        with Image.open(self.files[index]) as image:
            return self.transform(image.convert("RGB"))


class Clips(Dataset):
    def __init__(self, files, transform, clip_size, clip_input):
        self.files = files
        self.transform = transform
        self.clip_size = clip_size
        self.clip_input = clip_input

    def __len__(self):
        return len(self.files) // self.clip_size

    def __getitem__(self, index):
        frames = []
        for path in self.files[index * self.clip_size:(index + 1) * self.clip_size]:
            with Image.open(path) as image:
                frames.append(self.transform(image.convert("RGB")))
        clip = torch.stack(frames)  # T x C x H x W
        if self.clip_input == "bcthw":
            return clip.permute(1, 0, 2, 3).contiguous()
        if self.clip_input.startswith("thumbnail:"):
            rows, cols = (int(v) for v in self.clip_input.split(":", 1)[1].split("x"))
            size = clip.shape[-1]
            tiled = torch.cat([torch.cat([clip[r * cols + c] for c in range(cols)], dim=2)
                               for r in range(rows)], dim=1)
            return F.interpolate(tiled[None], size=(size, size), mode="bilinear",
                                 align_corners=False)[0]
        return clip


def transform_for(settings):
    size = settings["input_size"]
    steps = {
        "resize": [T.Resize((size, size))],
        "shorter-crop": [T.Resize(settings["resize_shorter"]), T.CenterCrop(size)],
        "crop": [T.CenterCrop(size)],
    }[settings["resize"]]
    steps += [T.ToTensor(), T.Normalize(settings["mean"], settings["std"])]
    if settings["channel_order"] == "bgr":
        steps.append(T.Lambda(lambda x: x[[2, 1, 0]]))
    return T.Compose(steps)


def probabilities(output, kind):
    if kind == "logit":
        return torch.sigmoid(output.reshape(-1))
    if kind == "two-class":
        return torch.softmax(output, dim=1)[:, 1]
    return output.reshape(-1)


def torch_main(settings):
    torch.set_num_threads(settings["threads"])
    model = torch.jit.load(settings["model"]).eval()
    transform = transform_for(settings)
    if settings["clip_size"] > 0:
        dataset = Clips(settings["files"], transform, settings["clip_size"], settings["clip_input"])
    else:
        dataset = Files(settings["files"], transform)
    loader = DataLoader(
        dataset,
        batch_size=settings["batch_size"],
        num_workers=settings["loader_workers"],
        shuffle=False,
        persistent_workers=settings["loader_workers"] > 0,
    )
    rates = []
    with torch.no_grad():
        for round_index in range(settings["rounds"] + 1):
            started = time.perf_counter()
            scored = 0
            for batch in loader:
                scored += probabilities(model(batch), settings["output"]).shape[0]
            elapsed = time.perf_counter() - started
            if round_index > 0:  # round 0 warms up the model and the loader workers
                rates.append(scored / elapsed)
    print("img_per_s", *(f"{rate:.3f}" for rate in rates))


def parse_settings():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runtime", choices=("torchscript", "onnx"), default="torchscript")
    for name in ("model", "files", "resize", "channel_order", "output"):
        parser.add_argument("--" + name.replace("_", "-"), required=True)
    for name in ("input_size", "resize_shorter", "batch_size", "threads", "loader_workers", "rounds"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, required=True)
    parser.add_argument("--clip-size", type=int, default=0)
    parser.add_argument("--clip-input", default="image")
    for name in ("mean", "std"):
        parser.add_argument("--" + name, type=lambda text: [float(v) for v in text.split(",")], required=True)
    settings = vars(parser.parse_args())
    with open(settings["files"]) as listing:
        settings["files"] = [line.strip() for line in listing if line.strip()]
    return settings


def onnx_main(settings):
    import numpy as np
    import onnxruntime as ort

    size = settings["input_size"]
    mean = np.array(settings["mean"], dtype=np.float32).reshape(3, 1, 1)
    std = np.array(settings["std"], dtype=np.float32).reshape(3, 1, 1)

    def center_crop(image):
        # torchvision's CenterCrop: offsets rounded, outside the image padded with zeros.
        left = int(round((image.width - size) / 2.0))
        top = int(round((image.height - size) / 2.0))
        return image.crop((left, top, left + size, top + size))

    def preprocess(image):
        if settings["resize"] == "resize":
            image = image.resize((size, size), Image.BILINEAR)
        elif settings["resize"] == "shorter-crop":
            shorter = settings["resize_shorter"]
            width, height = image.size
            if width <= height:
                target = (shorter, int(shorter * height / width))
            else:
                target = (int(shorter * width / height), shorter)
            image = center_crop(image.resize(target, Image.BILINEAR))
        else:
            image = center_crop(image)
        chw = np.asarray(image, dtype=np.float32).transpose(2, 0, 1) / 255.0
        chw = (chw - mean) / std
        if settings["channel_order"] == "bgr":
            chw = chw[::-1]
        return chw

    def load(path):
        with Image.open(path) as image:
            return preprocess(image.convert("RGB"))

    options = ort.SessionOptions()
    options.intra_op_num_threads = settings["threads"]
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(settings["model"], options, providers=["CPUExecutionProvider"])
    declared = session.get_inputs()[0]
    fixed = declared.shape[0] if isinstance(declared.shape[0], int) and declared.shape[0] > 0 else None

    def probabilities(output, kind, rows):
        output = output[:rows]
        if kind == "logit":
            return 1.0 / (1.0 + np.exp(-output.reshape(-1)))
        if kind == "two-class":
            return 1.0 / (1.0 + np.exp(output[:, 0] - output[:, 1]))
        return output.reshape(-1)

    def run(batch):
        rows = batch.shape[0]
        passes = [batch] if fixed is None else [batch[at:at + fixed] for at in range(0, rows, fixed)]
        scored = 0
        for part in passes:
            real = part.shape[0]
            if fixed is not None and real < fixed:
                part = np.concatenate([part, np.zeros((fixed - real,) + part.shape[1:], np.float32)])
            output = session.run(None, {declared.name: np.ascontiguousarray(part, np.float32)})[0]
            scored += probabilities(output, settings["output"], real).shape[0]
        return scored

    files, batch_size = settings["files"], settings["batch_size"]
    rates = []
    for round_index in range(settings["rounds"] + 1):
        started = time.perf_counter()
        scored = 0
        for start in range(0, len(files), batch_size):
            scored += run(np.stack([load(path) for path in files[start:start + batch_size]]))
        elapsed = time.perf_counter() - started
        if round_index > 0:  # round 0 warms up the session and the file cache
            rates.append(scored / elapsed)
    prepared = [np.stack([load(path) for path in files[start:start + batch_size]])
                for start in range(0, len(files), batch_size)]
    forward_rates = []
    for round_index in range(settings["rounds"] + 1):
        started = time.perf_counter()
        scored = sum(run(batch) for batch in prepared)
        elapsed = time.perf_counter() - started
        if round_index > 0:
            forward_rates.append(scored / elapsed)
    print("img_per_s", *(f"{rate:.3f}" for rate in rates))
    print("forward_img_per_s", *(f"{rate:.3f}" for rate in forward_rates))


def main():
    settings = parse_settings()
    if settings["runtime"] == "onnx":
        onnx_main(settings)
    else:
        torch_main(settings)


if __name__ == "__main__":
    main()
