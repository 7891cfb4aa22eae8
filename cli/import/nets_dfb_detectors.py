"""DeepfakeBench detectors built around its Xception (nets_dfb.DfbXception): f3net, spsl, srm, ucf.

Written for dfbench from the facts in DeepfakeBench
`training/detectors/{f3net,spsl,srm,ucf}_detector.py` and their `training/config/detector/*.yaml`
(SCLBD/DeepfakeBench@8a4a7bf5): attribute and parameter names, shapes, registration order (so
`state_dict` order matches), and the order of operations of the inference forward. DFB saves the
whole detector's `state_dict`, so a module here stands for the detector: its attributes carry the
detector's names (`backbone`, `FAD_head`, `backbone_rgb`, `encoder_f`, ...). Fixed filters that
upstream stores as parameters with `requires_grad=False` (or as buffers) are declared the same
way: they are in the checkpoint and are loaded from it. Each `forward` takes the normalised RGB
batch and returns the two logits whose softmax class 1 upstream reports as `prob`. Dropout and the
training-only noise/blur are the identity in eval and are not applied.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from nets_dfb import DfbXception


# ---------------------------------------------------------------------------------------------
# f3net (training/detectors/f3net_detector.py: F3netDetector, FAD_Head, Filter; only the FAD
# branch, as upstream). Config: backbone xception, dropout 0.5, resolution 256.


def dct_matrix(size):
    """Orthonormal DCT-II matrix (row = frequency k, column = sample n), computed in float64
    then cast, as upstream: sqrt(1/size) for k = 0, else sqrt(2/size), times cos((n+½)πk/size)."""
    k = torch.arange(size, dtype=torch.float64).view(-1, 1)
    n = torch.arange(size, dtype=torch.float64).view(1, -1)
    scale = torch.full((size, 1), math.sqrt(2.0 / size), dtype=torch.float64)
    scale[0] = math.sqrt(1.0 / size)
    return (scale * torch.cos((n + 0.5) * math.pi * k / size)).float()


def band_mask(start, end, size):
    """1 where start ≤ i + j ≤ end (i, j the DCT frequency indices), else 0."""
    i = torch.arange(size).view(-1, 1)
    j = torch.arange(size).view(1, -1)
    return ((i + j >= start) & (i + j <= end)).float()


class FadFilter(nn.Module):
    """Upstream `Filter` (use_learnable, no norm): a fixed band mask `base` plus a learnable
    `learnable` squashed to (−1, 1) by 2·sigmoid − 1, multiplied onto the DCT spectrum."""

    def __init__(self, size, start, end):
        super().__init__()
        self.base = nn.Parameter(band_mask(start, end, size), requires_grad=False)
        self.learnable = nn.Parameter(torch.randn(size, size) * 0.1)

    def forward(self, x):
        return x * (self.base + (2.0 * torch.sigmoid(self.learnable) - 1.0))


class FadHead(nn.Module):
    """Upstream `FAD_Head`: per channel, the 2-D DCT (D·x·Dᵀ), four band filters (low: 0 to
    size//2.82, middle: to size//2, high: to 2·size, all), each taken back by Dᵀ·y·D; the four
    results are concatenated on channels (3 → 12). `_DCT_all` and `_DCT_all_T` are fixed
    parameters, in the checkpoint."""

    def __init__(self, size):
        super().__init__()
        self._DCT_all = nn.Parameter(dct_matrix(size), requires_grad=False)
        self._DCT_all_T = nn.Parameter(dct_matrix(size).t().contiguous(), requires_grad=False)
        # Upstream's band edges are float floor divisions (256 // 2.82 = 90.0).
        bands = [(0, size // 2.82), (size // 2.82, size // 2), (size // 2, size * 2),
                 (0, size * 2)]
        self.filters = nn.ModuleList([FadFilter(size, start, end) for start, end in bands])

    def forward(self, x):
        spectrum = self._DCT_all @ x @ self._DCT_all_T
        bands = [self._DCT_all_T @ band(spectrum) @ self._DCT_all for band in self.filters]
        return torch.cat(bands, dim=1)


class F3Net(nn.Module):
    """DFB `f3net`: `backbone` = Xception with a 12-channel conv1 (upstream replaces conv1 after
    building; its position in the state dict is unchanged) and dropout 0.5 (classifier keys
    `last_linear.1.*`); then `FAD_head` (registered after the backbone, as upstream).
    Inference: backbone(FAD_head(image))."""

    def __init__(self, size=256):
        super().__init__()
        self.backbone = DfbXception(inc=12, dropout=0.5)
        self.FAD_head = FadHead(size)

    def forward(self, x):
        return self.backbone(self.FAD_head(x))


# ---------------------------------------------------------------------------------------------
# spsl (training/detectors/spsl_detector.py: SpslDetector.phase_without_amplitude). The detector
# holds only `backbone`, so its released keys are `backbone.*` and this module is the Xception.


def phase_only(x):
    """Upstream `phase_without_amplitude`: the channel mean (grey), its 2-D FFT over the last two
    dimensions, the spectrum's phase alone (exp(i·angle), unit magnitude), the real part of its
    inverse FFT: one channel."""
    grey = torch.mean(x, dim=1, keepdim=True)
    spectrum = torch.fft.fftn(grey, dim=(-1, -2))
    unit = torch.exp(1j * torch.angle(spectrum))
    return torch.real(torch.fft.ifftn(unit, dim=(-1, -2)))


class Spsl(DfbXception):
    """DFB `spsl`: Xception with a 4-channel conv1 (upstream initialises it from the ImageNet
    conv1 averaged over RGB, repeated 4 times; the release overwrites it) fed with the RGB image
    concatenated with its phase-only reconstruction (RGB first)."""

    def __init__(self):
        super().__init__(inc=4)

    def forward(self, x):
        return super().forward(torch.cat((x, phase_only(x)), dim=1))


# ---------------------------------------------------------------------------------------------
# srm (training/detectors/srm_detector.py: SRMDetector and its modules). Config: backbone
# xception (mode original, no dropout). Upstream trains with AM-softmax, but its forward reports
# prob = softmax(backbone_rgb.classifier(features))[:, 1] on the plain classifier logits: that
# is what this module returns (two logits).


def srm_filters():
    """The three 5x5 SRM high-pass filters upstream uses (KB / 4, KV / 12, the horizontal
    second-order difference / 2), shape (3, 1, 5, 5)."""
    kb = [[0, 0, 0, 0, 0], [0, -1, 2, -1, 0], [0, 2, -4, 2, 0], [0, -1, 2, -1, 0],
          [0, 0, 0, 0, 0]]
    kv = [[-1, 2, -2, 2, -1], [2, -6, 8, -6, 2], [-2, 8, -12, 8, -2], [2, -6, 8, -6, 2],
          [-1, 2, -2, 2, -1]]
    hor = [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 1, -2, 1, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]
    filters = [torch.tensor(kb, dtype=torch.float64) / 4.0,
               torch.tensor(kv, dtype=torch.float64) / 12.0,
               torch.tensor(hor, dtype=torch.float64) / 2.0]
    return torch.stack(filters).unsqueeze(1).float()


class SrmConv(nn.Module):
    """Upstream `SRMConv2d_simple`: fixed `kernel` (3, inc, 5, 5) (each filter repeated over the
    input channels), conv padding 2, then Hardtanh(−3, 3)."""

    def __init__(self, inc=3):
        super().__init__()
        self.kernel = nn.Parameter(srm_filters().repeat(1, inc, 1, 1), requires_grad=False)

    def forward(self, x):
        return F.hardtanh(F.conv2d(x, self.kernel, stride=1, padding=2), -3.0, 3.0)


class SrmSeparate(nn.Module):
    """Upstream `SRMConv2d_Separate`: fixed `kernel` (3·inc, 1, 5, 5) (the three filters, each
    repeated inc times, in that order) as a grouped conv (groups = inc, padding 2),
    Hardtanh(−3, 3), then `out_conv` = 1x1 conv (no bias), BatchNorm, ReLU."""

    def __init__(self, inc, outc):
        super().__init__()
        self.inc = inc
        self.kernel = nn.Parameter(srm_filters().repeat_interleave(inc, dim=0),
                                   requires_grad=False)
        self.out_conv = nn.Sequential(nn.Conv2d(3 * inc, outc, 1, 1, 0, bias=False),
                                      nn.BatchNorm2d(outc), nn.ReLU())

    def forward(self, x):
        x = F.conv2d(x, self.kernel, stride=1, padding=2, groups=self.inc)
        return self.out_conv(F.hardtanh(x, -3.0, 3.0))


class GaussianBlur(nn.Module):
    """Upstream `GaussianSmoothing(channels 3, kernel 7, sigma 0.8)`: training-only (the identity
    in eval); declared for its buffer `weight` (3, 1, 7, 7), which the checkpoint holds."""

    def __init__(self, channels=3, size=7, sigma=0.8):
        super().__init__()
        grid = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
        line = torch.exp(-(grid / sigma) ** 2 / 2)
        kernel = line.view(-1, 1) * line.view(1, -1)
        kernel = kernel / kernel.sum()
        self.register_buffer("weight", kernel.expand(channels, 1, size, size).clone())

    def forward(self, x):
        return x


class SpatialAttention(nn.Module):
    """Upstream `SpatialAttention(7)`: channel mean and max, `conv` 2 → 1 (7x7, pad 3, no bias),
    sigmoid."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, 7, padding=3, bias=False)

    def forward(self, x):
        pooled = torch.cat((x.mean(dim=1, keepdim=True), torch.max(x, dim=1, keepdim=True)[0]),
                           dim=1)
        return torch.sigmoid(self.conv(pooled))


class SrmPixelAttention(nn.Module):
    """Upstream `SRMPixelAttention(3)`: its own `srm` filter, `conv` (3 → 32, 3x3 stride 2;
    BatchNorm; ReLU; 32 → 64, 3x3; BatchNorm; ReLU), then spatial attention `pa`."""

    def __init__(self, inc):
        super().__init__()
        self.srm = SrmConv(3)
        self.conv = nn.Sequential(
            nn.Conv2d(inc, 32, 3, 2, 0, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        self.pa = SpatialAttention()

    def forward(self, x):
        return self.pa(self.conv(self.srm(x)))


class DualCrossModalAttention(nn.Module):
    """Upstream `DualCrossModalAttention(in_dim, size 16, ratio 8)`. Keys of each stream
    (`key_conv1` on x, `key_conv2` on y, both through `key_conv_share`) give the energy
    E = K1ᵀ·K2 (HW x HW); attention y→x = softmax(linear1(E)), x→y = softmax(linear2(Eᵀ)),
    over the last dimension; out_x = gamma1 · (value_conv2(y) · attᵀ) + x, out_y = gamma2 ·
    (value_conv1(x) · attᵀ) + y. `gamma1`/`gamma2` are this module's own parameters, so they come
    first in its state dict."""

    def __init__(self, dim, size=16, ratio=8):
        super().__init__()
        self.key_conv1 = nn.Conv2d(dim, dim // ratio, 1)
        self.key_conv2 = nn.Conv2d(dim, dim // ratio, 1)
        self.key_conv_share = nn.Conv2d(dim // ratio, dim // ratio, 1)
        self.linear1 = nn.Linear(size * size, size * size)
        self.linear2 = nn.Linear(size * size, size * size)
        self.value_conv1 = nn.Conv2d(dim, dim, 1)
        self.gamma1 = nn.Parameter(torch.zeros(1))
        self.value_conv2 = nn.Conv2d(dim, dim, 1)
        self.gamma2 = nn.Parameter(torch.zeros(1))

    def forward(self, x, y):
        b, c, h, w = x.size()
        key1 = self.key_conv_share(self.key_conv1(x)).view(b, -1, h * w).permute(0, 2, 1)
        key2 = self.key_conv_share(self.key_conv2(y)).view(b, -1, h * w)
        energy = torch.bmm(key1, key2)
        y_on_x = torch.softmax(self.linear1(energy), dim=-1)
        x_on_y = torch.softmax(self.linear2(energy.permute(0, 2, 1)), dim=-1)
        value_y = self.value_conv2(y).view(b, -1, h * w)
        out_x = self.gamma1 * torch.bmm(value_y, y_on_x.permute(0, 2, 1)).view(b, c, h, w) + x
        value_x = self.value_conv1(x).view(b, -1, h * w)
        out_y = self.gamma2 * torch.bmm(value_x, x_on_y.permute(0, 2, 1)).view(b, c, h, w) + y
        return out_x, out_y


class ChannelAttention(nn.Module):
    """Upstream `ChannelAttention(ratio 16)`: `sharedMLP` (1x1 conv down, ReLU, 1x1 conv up, no
    biases) on the global average and on the global max, summed, sigmoid."""

    def __init__(self, channels, ratio):
        super().__init__()
        self.sharedMLP = nn.Sequential(
            nn.Conv2d(channels, channels // ratio, 1, bias=False), nn.ReLU(),
            nn.Conv2d(channels // ratio, channels, 1, bias=False))

    def forward(self, x):
        average = self.sharedMLP(F.adaptive_avg_pool2d(x, 1))
        largest = self.sharedMLP(F.adaptive_max_pool2d(x, 1))
        return torch.sigmoid(average + largest)


class FeatureFusion(nn.Module):
    """Upstream `FeatureFusionModule(4096 → 2048)`: `convblk` (1x1 conv, no bias; BatchNorm;
    ReLU) on the concatenated streams (RGB first), multiplied by its channel attention `ca`."""

    def __init__(self, cin=4096, cout=2048):
        super().__init__()
        self.convblk = nn.Sequential(nn.Conv2d(cin, cout, 1, 1, 0, bias=False),
                                     nn.BatchNorm2d(cout), nn.ReLU())
        self.ca = ChannelAttention(cout, 16)

    def forward(self, x, y):
        fused = self.convblk(torch.cat((x, y), dim=1))
        return fused * self.ca(fused)


class Srm(nn.Module):
    """DFB `srm`: two Xceptions (`backbone_rgb`, `backbone_srm`), `blur` (training-only),
    `srm_conv0` on the image, `srm_conv1`/`srm_conv2` from the RGB stream into the SRM stream,
    SRM-guided pixel attention `srm_sa` + `srm_sa_post`, cross-modal attention after the entry
    (`dual_cma0`) and after blocks 4-7 (`dual_cma1`), `fusion`, and backbone_rgb's classifier.
    Registration order as upstream (`noise` and the loss hold no state)."""

    def __init__(self):
        super().__init__()
        self.backbone_rgb = DfbXception()
        self.backbone_srm = DfbXception()
        self.blur = GaussianBlur()
        self.srm_conv0 = SrmConv(3)
        self.srm_conv1 = SrmSeparate(32, 32)
        self.srm_conv2 = SrmSeparate(64, 64)
        self.srm_sa = SrmPixelAttention(3)
        self.srm_sa_post = nn.Sequential(nn.BatchNorm2d(64), nn.ReLU())
        self.dual_cma0 = DualCrossModalAttention(728)
        self.dual_cma1 = DualCrossModalAttention(728)
        self.fusion = FeatureFusion()

    def forward(self, x):
        rgb, srm_net = self.backbone_rgb, self.backbone_srm
        srm = self.srm_conv0(x)
        x = rgb.stem0(x)
        y = F.relu(srm_net.stem0(srm) + self.srm_conv1(x))
        x = rgb.stem1(x)
        y = F.relu(srm_net.stem1(y) + self.srm_conv2(x))
        # SRM-guided spatial attention, residual.
        x = self.srm_sa_post(x * self.srm_sa(srm) + x)
        x, y = self.dual_cma0(rgb.blocks(x, 1, 3), srm_net.blocks(y, 1, 3))
        x, y = self.dual_cma1(rgb.blocks(x, 4, 7), srm_net.blocks(y, 4, 7))
        x = rgb.exit_flow(rgb.blocks(x, 8, 12))
        y = srm_net.exit_flow(srm_net.blocks(y, 8, 12))
        return rgb.classifier(self.fusion(x, y))


# ---------------------------------------------------------------------------------------------
# ucf (training/detectors/ucf_detector.py: UCFDetector, inference=True). Config: backbone
# xception in mode adjust_channel (features of 512 channels), encoder_feat_dim 512,
# train_dataset of 4 FF++ manipulations (head_spe: 4 + 1 = 5 outputs).


class Conv1x1Stack(nn.Module):
    """Upstream `Conv2d1x1`: `conv2d` = 1x1 conv in → hidden, LeakyReLU, hidden → hidden,
    LeakyReLU, hidden → out (all with bias; LeakyReLU slope 0.01)."""

    def __init__(self, cin, hidden, cout):
        super().__init__()
        self.conv2d = nn.Sequential(
            nn.Conv2d(cin, hidden, 1, 1), nn.LeakyReLU(),
            nn.Conv2d(hidden, hidden, 1, 1), nn.LeakyReLU(),
            nn.Conv2d(hidden, cout, 1, 1))

    def forward(self, x):
        return self.conv2d(x)


class Head(nn.Module):
    """Upstream `Head`: global average pool, `mlp` = Linear in → hidden, LeakyReLU, Linear
    hidden → out (its dropout is the identity in eval)."""

    def __init__(self, cin, hidden, cout):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(cin, hidden), nn.LeakyReLU(), nn.Linear(hidden, cout))

    def forward(self, x):
        return self.mlp(F.adaptive_avg_pool2d(x, 1).flatten(1))


class ConditionalUNet(nn.Module):
    """Upstream `Conditional_UNet`, UCF's training-only reconstruction decoder: declared for its
    keys (`dconv_up3/2/1` = conv 3x3, ReLU, conv 3x3, ReLU; `conv_last` 1x1 to RGB); inference
    never runs it, so it has no forward here."""

    def __init__(self):
        super().__init__()
        for name, cin, cout in (("dconv_up3", 512, 256), ("dconv_up2", 256, 128),
                                ("dconv_up1", 128, 64)):
            setattr(self, name, nn.Sequential(
                nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(),
                nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU()))
        self.conv_last = nn.Conv2d(64, 3, 1)


class Ucf(nn.Module):
    """DFB `ucf`: every module of the released detector (`encoder_f`, `encoder_c`, `con_gan`,
    `head_spe`, `head_sha`, `block_spe`, `block_sha`, in upstream's order), so the full release
    loads strictly. The inference path uses the forgery encoder and the shared branch only:
    P(fake) = softmax(head_sha(block_sha(encoder_f.features(image))))[:, 1]; `encoder_c`,
    `con_gan`, `block_spe` and `head_spe` serve training only."""

    def __init__(self, feat_dim=512, specific_classes=5):
        super().__init__()
        half = feat_dim // 2
        self.encoder_f = DfbXception(adjust=True)
        self.encoder_c = DfbXception(adjust=True)
        self.con_gan = ConditionalUNet()
        self.head_spe = Head(half, feat_dim, specific_classes)
        self.head_sha = Head(half, feat_dim, 2)
        self.block_spe = Conv1x1Stack(feat_dim, half, half)
        self.block_sha = Conv1x1Stack(feat_dim, half, half)

    def forward(self, x):
        return self.head_sha(self.block_sha(self.encoder_f.features(x)))
