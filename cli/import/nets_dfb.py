"""Modules for DeepfakeBench backbones that upstream wrote itself (not from a PyPI package).

Written for dfbench from the facts in DeepfakeBench `training/networks/xception.py` and
`training/networks/mesonet.py`: parameter names, shapes, and the order of operations at
inference. Each `forward` returns the classifier logits only (DFB's backbones also return the
features, which scoring does not use). Dropout is the identity in eval and is not modelled.
"""

import torch
from torch import nn
from torch.nn import functional as F


class SeparableConv2d(nn.Module):
    """Depthwise `conv1` (groups = in) then a 1x1 `pointwise`, both without bias."""

    def __init__(self, cin, cout, kernel=1, stride=1, padding=0):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cin, kernel, stride, padding, 1, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, 1, 0, 1, 1, bias=False)

    def forward(self, x):
        return self.pointwise(self.conv1(x))


class XceptionBlock(nn.Module):
    """`rep`: (ReLU, SeparableConv2d, BatchNorm2d) x reps, the first ReLU dropped unless
    `start_with_relu`, channels growing at the first (`grow_first`) or the last unit, then a 3x3
    max pool when strided; plus a 1x1 strided `skip` conv + `skipbn` when the shape changes."""

    def __init__(self, cin, cout, reps, stride, start_with_relu, grow_first):
        super().__init__()
        # Registered before `rep`, as upstream, so state_dict order matches too.
        self.has_skip = cout != cin or stride != 1
        if self.has_skip:
            self.skip = nn.Conv2d(cin, cout, 1, stride=stride, bias=False)
            self.skipbn = nn.BatchNorm2d(cout)
        if grow_first:
            widths = [(cin, cout)] + [(cout, cout)] * (reps - 1)
        else:
            widths = [(cin, cin)] * (reps - 1) + [(cin, cout)]
        layers = []
        for a, b in widths:
            layers += [nn.ReLU(), SeparableConv2d(a, b, 3, 1, 1), nn.BatchNorm2d(b)]
        if not start_with_relu:
            layers = layers[1:]
        if stride != 1:
            layers.append(nn.MaxPool2d(3, stride, 1))
        self.rep = nn.Sequential(*layers)

    def forward(self, x):
        shortcut = self.skipbn(self.skip(x)) if self.has_skip else x
        return self.rep(x) + shortcut


class DfbXception(nn.Module):
    """DFB `xception` backbone (2 classes). The checkpoint also holds `adjust_channel` (built in
    every mode), so it is always declared. The defaults are the `xception` family (`mode:
    original`, `inc: 3`, no dropout); the Xception-based detectors (nets_dfb_detectors) set
    `inc` (input channels of conv1), `dropout` (upstream then wraps the classifier as
    Sequential(Dropout, Linear), keys `last_linear.1.*`; the identity in eval) and `adjust`
    (`mode: adjust_channel`: the features end with `adjust_channel`, 512 channels, and the
    classifier skips its ReLU). The stage methods follow upstream's `fea_part*` split."""

    def __init__(self, num_classes=2, inc=3, dropout=0.0, adjust=False):
        super().__init__()
        self.conv1 = nn.Conv2d(inc, 32, 3, 2, 0, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        # (cin, cout, reps, stride, start_with_relu, grow_first) of block1..block12.
        specs = [(64, 128, 2, 2, False, True), (128, 256, 2, 2, True, True),
                 (256, 728, 2, 2, True, True)]
        specs += [(728, 728, 3, 1, True, True)] * 8
        specs += [(728, 1024, 2, 2, True, False)]
        for index, spec in enumerate(specs, start=1):
            setattr(self, f"block{index}", XceptionBlock(*spec))
        self.conv3 = SeparableConv2d(1024, 1536, 3, 1, 1)
        self.bn3 = nn.BatchNorm2d(1536)
        self.conv4 = SeparableConv2d(1536, 2048, 3, 1, 1)
        self.bn4 = nn.BatchNorm2d(2048)
        linear = nn.Linear(2048, num_classes)
        self.last_linear = nn.Sequential(nn.Dropout(dropout), linear) if dropout else linear
        self.adjust_channel = nn.Sequential(
            nn.Conv2d(2048, 512, 1, 1), nn.BatchNorm2d(512), nn.ReLU())
        self.adjust = adjust

    def stem0(self, x):  # upstream fea_part1_0
        return F.relu(self.bn1(self.conv1(x)))

    def stem1(self, x):  # upstream fea_part1_1
        return F.relu(self.bn2(self.conv2(x)))

    def blocks(self, x, first, last):
        # Entry flow: blocks 1-3 (fea_part2); middle: 4-7 (fea_part3) and 8-11; exit: 12.
        for index in range(first, last + 1):
            x = getattr(self, f"block{index}")(x)
        return x

    def exit_flow(self, x):  # upstream fea_part5: no ReLU after bn4
        x = F.relu(self.bn3(self.conv3(x)))
        return self.bn4(self.conv4(x))

    def features(self, x):
        x = self.exit_flow(self.blocks(self.stem1(self.stem0(x)), 1, 12))
        return self.adjust_channel(x) if self.adjust else x

    def classifier(self, x):
        # ReLU (not in adjust mode), global average pool, linear.
        if not self.adjust:
            x = F.relu(x)
        return self.last_linear(F.adaptive_avg_pool2d(x, (1, 1)).flatten(1))

    def forward(self, x):
        return self.classifier(self.features(x))


class Meso4(nn.Module):
    """DFB `meso4`: four conv → ReLU → BatchNorm → max-pool stages (bn1 serves the first two,
    bn2 the last two; pools 2,2,2,4), then fc1 (1024 → 16), LeakyReLU(0.1), fc2."""

    def __init__(self, num_classes=2):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 5, padding=2, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.conv3 = nn.Conv2d(8, 16, 5, padding=2, bias=False)
        self.conv4 = nn.Conv2d(16, 16, 5, padding=2, bias=False)
        self.fc1 = nn.Linear(16 * 8 * 8, 16)
        self.fc2 = nn.Linear(16, num_classes)

    def forward(self, x):
        stages = [(self.conv1, self.bn1, 2), (self.conv2, self.bn1, 2),
                  (self.conv3, self.bn2, 2), (self.conv4, self.bn2, 4)]
        for conv, norm, pool in stages:
            x = F.max_pool2d(norm(F.relu(conv(x))), pool)
        return self.fc2(F.leaky_relu(self.fc1(x.flatten(1)), 0.1))


def add_inception(parent, n, cin, widths):
    """Adds one MesoInception layer to `parent` as flat attributes `Incption{n}_*` (upstream's
    names) and returns them in order: branches 1x1; 1x1 then 3x3; 1x1 then 3x3 dilation 2;
    1x1 then 3x3 dilation 3; their concatenation goes through the BatchNorm, then a 2x2 pool."""
    a, b, c, d = widths
    layers = {
        "conv1": nn.Conv2d(cin, a, 1, bias=False),
        "conv2_1": nn.Conv2d(cin, b, 1, bias=False),
        "conv2_2": nn.Conv2d(b, b, 3, padding=1, bias=False),
        "conv3_1": nn.Conv2d(cin, c, 1, bias=False),
        "conv3_2": nn.Conv2d(c, c, 3, padding=2, dilation=2, bias=False),
        "conv4_1": nn.Conv2d(cin, d, 1, bias=False),
        "conv4_2": nn.Conv2d(d, d, 3, padding=3, dilation=3, bias=False),
        "bn": nn.BatchNorm2d(a + b + c + d),
    }
    names = []
    for suffix, module in layers.items():
        setattr(parent, f"Incption{n}_{suffix}", module)
        names.append(f"Incption{n}_{suffix}")
    return names


class Meso4Inception(nn.Module):
    """DFB `meso4Inception`: two inception layers (widths 1,4,4,2 then 2,4,4,2), then conv1 and
    conv2 (5x5, 16 channels) each → ReLU → bn1 → pool (2, then 4), fc1, LeakyReLU(0.1), fc2."""

    def __init__(self, num_classes=2):
        super().__init__()
        self._layers = [add_inception(self, 1, 3, (1, 4, 4, 2)),
                        add_inception(self, 2, 11, (2, 4, 4, 2))]
        self.conv1 = nn.Conv2d(12, 16, 5, padding=2, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 16, 5, padding=2, bias=False)
        self.fc1 = nn.Linear(16 * 8 * 8, 16)
        self.fc2 = nn.Linear(16, num_classes)

    def inception(self, names, x):
        m = [getattr(self, name) for name in names]
        y = torch.cat((m[0](x), m[2](m[1](x)), m[4](m[3](x)), m[6](m[5](x))), 1)
        return F.max_pool2d(m[7](y), 2)

    def forward(self, x):
        for names in self._layers:
            x = self.inception(names, x)
        x = F.max_pool2d(self.bn1(F.relu(self.conv1(x))), 2)
        x = F.max_pool2d(self.bn1(F.relu(self.conv2(x))), 4)
        return self.fc2(F.leaky_relu(self.fc1(x.flatten(1)), 0.1))
