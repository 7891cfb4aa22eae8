"""MTCNN (Zhang et al. 2016, "Joint Face Detection and Alignment using Multi-task Cascaded
Convolutional Networks"): the three nets of the face-detector family `mtcnn`.

Upstream definition (facts taken from it; the code here is ours):
  timesler/facenet-pytorch models/mtcnn.py: PNet, RNet, ONet; weights released as the state
  dicts facenet_pytorch/data/{pnet,rnet,onet}.pt in the PyPI wheel.
PNet is fully convolutional (any input size): conv 3→10 (3×3), PReLU, max pool 2/2 (ceil), conv
10→16, PReLU, conv 16→32, PReLU, then 1×1 heads `conv4_1` (2 classes, softmax over dim 1) and
`conv4_2` (4 box offsets). RNet (24×24 input) and ONet (48×48) end in dense layers whose input
is the last feature map permuted to (N, W, H, C) before flattening (the Caffe layout the
weights were converted from). Outputs, in upstream order: PNet (offsets, probabilities), RNet
(offsets, probabilities), ONet (offsets, landmarks, probabilities); landmarks are five x then
five y, relative to the box.

The image pyramid, NMS and box regression are not here: dfbench runs them in Rust
(worker/src/faces), calling these nets through its own runtime.
"""

import torch
from torch import nn


def _stage(conv_in, conv_out, kernel, pool=None):
    """conv → PReLU (→ max pool, ceil mode) as (name suffix, module) pairs."""
    layers = [nn.Conv2d(conv_in, conv_out, kernel_size=kernel), nn.PReLU(conv_out)]
    if pool is not None:
        layers.append(nn.MaxPool2d(pool[0], pool[1], ceil_mode=True))
    return layers


class _Net(nn.Module):
    """Registers `conv{i}`, `prelu{i}` (and `pool{i}`) under upstream's names, in order."""

    def _add(self, index, layers):
        names = ("conv", "prelu", "pool")
        for name, layer in zip(names, layers):
            self.add_module(f"{name}{index}", layer)

    def _features(self, x, count):
        for index in range(1, count + 1):
            x = getattr(self, f"prelu{index}")(getattr(self, f"conv{index}")(x))
            pool = getattr(self, f"pool{index}", None)
            if pool is not None:
                x = pool(x)
        return x


class PNet(_Net):
    def __init__(self):
        super().__init__()
        self._add(1, _stage(3, 10, 3, (2, 2)))
        self._add(2, _stage(10, 16, 3))
        self._add(3, _stage(16, 32, 3))
        self.conv4_1 = nn.Conv2d(32, 2, kernel_size=1)
        self.conv4_2 = nn.Conv2d(32, 4, kernel_size=1)

    def forward(self, x):
        x = self._features(x, 3)
        return self.conv4_2(x), torch.softmax(self.conv4_1(x), dim=1)


def _flatten_caffe(x):
    """(N, C, H, W) → (N, W·H·C): upstream's permute(0, 3, 2, 1) before the dense layers."""
    return x.permute(0, 3, 2, 1).contiguous().flatten(1)


class RNet(_Net):
    def __init__(self):
        super().__init__()
        self._add(1, _stage(3, 28, 3, (3, 2)))
        self._add(2, _stage(28, 48, 3, (3, 2)))
        self._add(3, _stage(48, 64, 2))
        self.dense4 = nn.Linear(576, 128)
        self.prelu4 = nn.PReLU(128)
        self.dense5_1 = nn.Linear(128, 2)
        self.dense5_2 = nn.Linear(128, 4)

    def forward(self, x):
        x = self.prelu4(self.dense4(_flatten_caffe(self._features(x, 3))))
        return self.dense5_2(x), torch.softmax(self.dense5_1(x), dim=1)


class ONet(_Net):
    def __init__(self):
        super().__init__()
        self._add(1, _stage(3, 32, 3, (3, 2)))
        self._add(2, _stage(32, 64, 3, (3, 2)))
        self._add(3, _stage(64, 64, 3, (2, 2)))
        self._add(4, _stage(64, 128, 2))
        self.dense5 = nn.Linear(1152, 256)
        self.prelu5 = nn.PReLU(256)
        self.dense6_1 = nn.Linear(256, 2)
        self.dense6_2 = nn.Linear(256, 4)
        self.dense6_3 = nn.Linear(256, 10)

    def forward(self, x):
        x = self.prelu5(self.dense5(_flatten_caffe(self._features(x, 4))))
        return self.dense6_2(x), self.dense6_3(x), torch.softmax(self.dense6_1(x), dim=1)


class Mtcnn(nn.Module):
    """The three nets side by side, so `--keys` lists them as `pnet.*`, `rnet.*`, `onet.*`; each
    released file holds one net's keys without its prefix."""

    def __init__(self):
        super().__init__()
        self.pnet = PNet()
        self.rnet = RNet()
        self.onet = ONet()


# (attribute = released file stem, example input side, output names). PNet's trace and ONNX
# export keep height and width dynamic; RNet and ONet take fixed crops.
NETS = (
    ("pnet", 12, ("offsets", "probabilities")),
    ("rnet", 24, ("offsets", "probabilities")),
    ("onet", 48, ("offsets", "landmarks", "probabilities")),
)

# facenet-pytorch MTCNN's defaults (models/mtcnn.py), which the card declares.
CARD = {
    "kind": "face-detector",
    "detector": "mtcnn",
    "thresholds": [0.6, 0.7, 0.7],
    "min_face_size": 20,
    "factor": 0.709,
}
