"""DeepfakeBench's clip detectors `i3d` and `altfreezing`: the single-pathway 3D ResNet-50 of the
SlowFast code base DeepfakeBench vendors, written here from its facts (names, shapes, order of
operations) so released checkpoints load by key.

Upstream (SCLBD/DeepfakeBench, training/):
  detectors/i3d_detector.py, detectors/altfreezing_detector.py   the detectors and their cfg text
  detectors/utils/slowfast/models/video_model_builder.py          `ResNet`, the i3d arch tables
  detectors/utils/slowfast/models/stem_helper.py                  `VideoModelStem` / `ResNetBasicStem`
  detectors/utils/slowfast/models/resnet_helper.py                `ResStage`, `ResBlock`, bottleneck
  detectors/utils/slowfast/models/head_helper.py                  `ResNetBasicHead`
  detectors/utils/slowfast/config/defaults.py                     defaults the cfg text leaves

Both detectors build the same network: ARCH i3d, DEPTH 50 (blocks 3, 4, 6, 3), one group of width
64, bottleneck blocks with the stride on the 1×3×3 convolution, NUM_BLOCK_TEMP_KERNEL equal to the
block counts (every block takes its stage's temporal kernel pattern), no non-local blocks,
BatchNorm3d (eps 1e-5), NUM_CLASSES 1, HEAD_ACT sigmoid, DATA.NUM_FRAMES = the config's clip_size,
CROP_SIZE 224. AltFreezing differs only in training (it alternately freezes the 3×1×1 temporal and
the 1×3×3 spatial convolutions), so its checkpoints have the i3d keys and shapes.

The detectors take `data_dict['image']` as B × T × C × H × W and permute it to B × C × T × H × W
before the network; the module here does the same, so its input layout is `btchw`. The head
applies its sigmoid in training and in eval alike (the eval-only branch is commented out
upstream) and flattens to B × 1: the detector's `prob` is that value, so the output is a
probability.
"""

from torch import nn

# Blocks per stage (res2..res5) of the depth-50 network.
DEPTH50_BLOCKS = (3, 4, 6, 3)
# The i3d arch table: the stem's temporal kernel, then each stage's temporal kernel pattern,
# repeated over the stage's blocks (res3 = 3, 1, 3, 1; res5 = 1, 3, 1).
I3D_STEM_TEMPORAL = 5
I3D_STAGE_TEMPORAL = ((3,), (3, 1), (3, 1), (1, 3))
# The i3d arch's pool after res2: 2 × 1 × 1, stride equal to the kernel (halves the time axis).
I3D_POOL1 = (2, 1, 1)
# Spatial stride of each stage's first block.
STAGE_STRIDES = (1, 2, 2, 2)


def norm(channels):
    return nn.BatchNorm3d(channels, eps=1e-5, momentum=0.1)


class BasicStem(nn.Module):
    """T×7×7 convolution (stride 1, 2, 2; no bias), BatchNorm, ReLU, then a 1×3×3 max pool
    (stride 1, 2, 2, padding 0, 1, 1). Keys: conv, bn."""

    def __init__(self, channels_in, channels_out, temporal):
        super().__init__()
        self.conv = nn.Conv3d(channels_in, channels_out, (temporal, 7, 7), stride=(1, 2, 2),
                              padding=(temporal // 2, 3, 3), bias=False)
        self.bn = norm(channels_out)
        self.relu = nn.ReLU(inplace=True)
        self.pool_layer = nn.MaxPool3d((1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))

    def forward(self, x):
        return self.pool_layer(self.relu(self.bn(self.conv(x))))


class Stem(nn.Module):
    """`s1`: the single pathway's stem as `pathway0_stem`."""

    def __init__(self, channels_out, temporal):
        super().__init__()
        self.pathway0_stem = BasicStem(3, channels_out, temporal)

    def forward(self, x):
        return self.pathway0_stem(x)


class Bottleneck(nn.Module):
    """`branch2`: a = T×1×1 (padding T//2), b = 1×3×3 carrying the spatial stride, c = 1×1×1,
    each convolution bias-free and followed by BatchNorm; ReLU after a and b only."""

    def __init__(self, channels_in, channels_out, inner, temporal, stride):
        super().__init__()
        self.a = nn.Conv3d(channels_in, inner, (temporal, 1, 1), padding=(temporal // 2, 0, 0),
                           bias=False)
        self.a_bn = norm(inner)
        self.a_relu = nn.ReLU(inplace=True)
        self.b = nn.Conv3d(inner, inner, (1, 3, 3), stride=(1, stride, stride),
                           padding=(0, 1, 1), bias=False)
        self.b_bn = norm(inner)
        self.b_relu = nn.ReLU(inplace=True)
        self.c = nn.Conv3d(inner, channels_out, 1, bias=False)
        self.c_bn = norm(channels_out)

    def forward(self, x):
        x = self.a_relu(self.a_bn(self.a(x)))
        x = self.b_relu(self.b_bn(self.b(x)))
        return self.c_bn(self.c(x))


class ResidualBlock(nn.Module):
    """ReLU(shortcut + branch2). The shortcut is a 1×1×1 projection `branch1` + `branch1_bn`
    (spatial stride) when channels or stride change, the identity otherwise."""

    def __init__(self, channels_in, channels_out, inner, temporal, stride):
        super().__init__()
        self.projected = channels_in != channels_out or stride != 1
        if self.projected:
            self.branch1 = nn.Conv3d(channels_in, channels_out, 1, stride=(1, stride, stride),
                                     bias=False)
            self.branch1_bn = norm(channels_out)
        self.branch2 = Bottleneck(channels_in, channels_out, inner, temporal, stride)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        shortcut = self.branch1_bn(self.branch1(x)) if self.projected else x
        return self.relu(shortcut + self.branch2(x))


class Stage(nn.Module):
    """`s2`..`s5`: blocks `pathway0_res0`, `pathway0_res1`, ...; block i takes the stage's temporal
    pattern at i (cycled) and the stage's stride only when i is 0."""

    def __init__(self, channels_in, channels_out, inner, blocks, pattern, stride):
        super().__init__()
        self.blocks = blocks
        for i in range(blocks):
            block = ResidualBlock(channels_in if i == 0 else channels_out, channels_out, inner,
                                  pattern[i % len(pattern)], stride if i == 0 else 1)
            self.add_module(f"pathway0_res{i}", block)

    def forward(self, x):
        for i in range(self.blocks):
            x = getattr(self, f"pathway0_res{i}")(x)
        return x


class Head(nn.Module):
    """Average pool over the whole T/2 × S/32 × S/32 feature map (a fixed kernel, stride 1), channels
    last, dropout (identity in eval), `projection` Linear to one class, sigmoid, B × 1."""

    def __init__(self, channels, pool):
        super().__init__()
        self.pathway0_avgpool = nn.AvgPool3d(pool, stride=1)
        self.dropout = nn.Dropout(0.5)
        self.projection = nn.Linear(channels, 1)
        self.act = nn.Sigmoid()

    def forward(self, x):
        x = self.pathway0_avgpool(x).permute(0, 2, 3, 4, 1)
        x = self.act(self.projection(self.dropout(x)))
        return x.flatten(1)


class I3dResNet(nn.Module):
    """The detectors' `resnet` attribute: stem `s1`, stages `s2`..`s5` (outputs 4, 8, 16, 32 ×
    width), the 2×1×1 max pool after s2 (`pathway0_pool`), `head`. Input B × T × 3 × S × S
    (permuted to B × 3 × T × S × S as the detectors do); output P(fake), B × 1.

    `width` is WIDTH_PER_GROUP (64 upstream); `blocks` the blocks per stage. Tests build a reduced
    width/depth of this same code (families.REDUCED_ENV)."""

    def __init__(self, width=64, blocks=DEPTH50_BLOCKS, clip_size=16, input_size=224):
        super().__init__()
        self.s1 = Stem(width, I3D_STEM_TEMPORAL)
        channels_in = width
        stages = []
        for index, (count, pattern, stride) in enumerate(
                zip(blocks, I3D_STAGE_TEMPORAL, STAGE_STRIDES)):
            channels_out = width * 4 * 2 ** index
            stages.append(Stage(channels_in, channels_out, width * 2 ** index, count, pattern,
                                stride))
            channels_in = channels_out
        self.s2 = stages[0]
        self.pathway0_pool = nn.MaxPool3d(I3D_POOL1, stride=I3D_POOL1, padding=0)
        self.s3, self.s4, self.s5 = stages[1:]
        pool = (clip_size // I3D_POOL1[0], input_size // 32 // I3D_POOL1[1],
                input_size // 32 // I3D_POOL1[2])
        self.head = Head(channels_in, pool)

    def forward(self, clips):
        x = clips.permute(0, 2, 1, 3, 4)
        x = self.s2(self.s1(x))
        x = self.pathway0_pool(x)
        x = self.s5(self.s4(self.s3(x)))
        return self.head(x)


def i3d():
    return I3dResNet()


def i3d_reduced():
    """Width per group 8 instead of 64, all 16 blocks: every key of the full module, ~1/64 of its
    convolution cost; the card's clip (16 × 224 × 224) is unchanged."""
    return I3dResNet(width=8)
