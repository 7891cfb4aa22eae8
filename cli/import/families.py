"""The families `dfbench import` knows: how to build each full-size module, which wrapper
prefixes its released checkpoints carry, and the preprocessing its card declares (REFERENCE §4).

Where upstream builds on a PyPI package (torchvision ResNets, efficientnet-pytorch) the module comes from that package,
so key names match by construction; DeepfakeBench's own backbones are in `nets_dfb`, its
Xception-based detectors (f3net, spsl, srm, ucf) in `nets_dfb_detectors`. A family whose
module cannot be exported to ONNX says why in `onnx_refusal`, and `--onnx` is refused with it.
"""

import os

import torch
from torch import nn

import nets_clip
import nets_dfb
import nets_dfb_detectors
import nets_video
import nets_npr
import nets_mtcnn

# Set by tests only: families too large to trace and run quickly on a CPU (ViT-L/14, the 3D
# ResNet-50s) build a reduced width/depth of the same code instead. Golden manifests are always
# checked at full size; `dfbench import` never sets this.
REDUCED_ENV = "DFBENCH_IMPORT_REDUCED"

# DeepfakeBench's test loader: cv2.imread, BGR→RGB, cv2.resize INTER_CUBIC to `resolution`,
# ToTensor, Normalize(mean 0.5, std 0.5); softmax over two logits, P(fake) = class 1.
DFB_CARD = {
    "input_size": 256,
    "resize": "resize",
    "interpolation": "opencv:cubic",
    "normalize": "half",
    "channel_order": "rgb",
    "output": "two-class",
}
# DataParallel's `module.` and DeepfakeBench's detector attribute `backbone.`.
DFB_PREFIXES = ("module.", "backbone.")

# DeepfakeBench's clip detectors (i3d, altfreezing; nets_video): the same loader per frame
# (resolution 224), 16-frame clips stacked B × T × C × H × W (the detectors permute to
# B × C × T × H × W themselves), one sigmoid output per clip.
DFB_CLIP_CARD = dict(DFB_CARD, input_size=224, output="probability", input="clip", clip_size=16,
                     layout="btchw")
# DataParallel's `module.` and the detectors' attribute `resnet.`.
DFB_CLIP_PREFIXES = ("module.", "resnet.")


class DfbResNet34(nn.Module):
    """DFB `resnet34`: torchvision's ResNet-34 without avgpool/fc as `resnet` (a Sequential, so
    keys are `resnet.0.weight` ... `resnet.7.*`), adaptive average pool, `fc` 512 → 2."""

    def __init__(self):
        super().__init__()
        import torchvision

        body = torchvision.models.resnet34(weights=None)
        self.resnet = nn.Sequential(*list(body.children())[:-2])
        self.fc = nn.Linear(512, 2)

    def forward(self, x):
        return self.fc(nn.functional.adaptive_avg_pool2d(self.resnet(x), 1).flatten(1))


class DfbEfficientNetB4(nn.Module):
    """DFB `efficientnetb4`: efficientnet-pytorch's EfficientNet-B4 as `efficientnet`, its stem
    replaced by a plain Conv2d(3, 48, 3, stride 2, no padding, no bias) and `_fc` removed; then
    the features' global average pool and `last_layer` 1792 → 2 (no dropout in eval)."""

    def __init__(self):
        super().__init__()
        from efficientnet_pytorch import EfficientNet

        self.efficientnet = EfficientNet.from_name("efficientnet-b4")
        self.efficientnet._conv_stem = nn.Conv2d(3, 48, kernel_size=3, stride=2, bias=False)
        self.efficientnet._fc = nn.Identity()
        # The plain swish (same values): the memory-efficient one is a custom autograd function,
        # which a trace cannot save.
        self.efficientnet.set_swish(memory_efficient=False)
        self.last_layer = nn.Linear(1792, 2)

    def forward(self, x):
        x = self.efficientnet.extract_features(x)
        return self.last_layer(nn.functional.adaptive_avg_pool2d(x, 1).flatten(1))


def cnnspot():
    import torchvision

    return torchvision.models.resnet50(weights=None, num_classes=1)


# The cards' `normalize` names (benchmarks/src/card.rs): mean and std per RGB channel.
NORMALIZATION = {
    "half": ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
    "imagenet": ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    "clip": ([0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]),
}


# The upstream TEST loaders the cards reproduce (`Family.loader`). Each is re-run with its own
# libraries by cli/tests/fixtures/preprocess_reference.py and compared with dfbench's tensors by
# cli/tests/import_preprocessing.rs.
LOADERS = {
    # SCLBD/DeepfakeBench training/dataset/abstract_dataset.py (load_rgb, __getitem__):
    # cv2.imread (BGR) → cv2.cvtColor BGR2RGB → cv2.resize to (resolution, resolution) with
    # INTER_CUBIC → ToTensor → Normalize(mean, std); resolution, mean, std from the detector's
    # training/config/detector/<name>.yaml.
    "deepfakebench": "DeepfakeBench abstract_dataset.load_rgb: cv2 INTER_CUBIC to resolution",
    # Ekko-zn/AIGCDetectBenchmark data/process.py `processing` at test (isTrain False, no
    # --no_resize / --no_crop): Image.open().convert("RGB") → TF.resize(loadSize 256, PIL
    # bilinear) → CenterCrop(CropSize 224) → ToTensor → Normalize(ImageNet).
    "cnnspot": "AIGCDetectBenchmark processing: PIL Resize(256) bilinear, CenterCrop(224)",
    # chuangchuangtan/NPR-DeepfakeDetection data/datasets.py binary_dataset with test.py's
    # no_crop: ImageFolder's PIL loader (convert("RGB")) → Resize((loadSize, loadSize)) = 256
    # (PIL bilinear) → ToTensor → Normalize(ImageNet).
    "npr": "NPR datasets.binary_dataset: PIL Resize((256, 256)) bilinear, no crop",
    # WisconsinAIVision/UniversalFakeDetect validate.py RealFakeDataset: Image.open().convert("RGB")
    # → CenterCrop(224) (zero padding when smaller) → ToTensor → Normalize(CLIP).
    "univfd": "UniversalFakeDetect validate.py: CenterCrop(224), no resize",
    # timesler/facenet-pytorch models/utils/detect_face.py detect_face: the uint8 frame, an
    # image pyramid by interpolate(mode="area"), (x − 127.5) × 0.0078125; the 24×24 and 48×48
    # crops the same way. dfbench reproduces it in worker/src/faces.
    "facenet-pytorch": "facenet-pytorch detect_face: area pyramid and crops, (x - 127.5) / 128",
}


class Family:
    """One importable family. `build` makes the full-size module; `reduced`, where given, the same
    code at a reduced width/depth for CPU tests (used only when REDUCED_ENV is "1");
    `onnx_refusal`: why `--onnx` cannot be offered for the family (None: it can); `loader`: the
    upstream test loader (a LOADERS key) whose tensors the card reproduces."""

    def __init__(self, name, build, card, prefixes, summary, upstream, loader, reduced=None,
                 onnx_refusal=None, encoder=None, derived=(), nets=None):
        if loader not in LOADERS:
            raise ValueError(f"{name}: unknown loader {loader!r}")
        self.name = name
        self.loader = loader
        self.build = build
        self.card = card
        self.prefixes = prefixes
        self.summary = summary
        self.upstream = upstream
        self.onnx_refusal = onnx_refusal
        self.reduced = reduced
        # For a family released as two files (a head plus a separately released encoder, given as
        # `--encoder`): load(module, family, weights, encoder, prefixes) → notes. None: one file.
        self.encoder = encoder
        # Buffers older library versions saved in checkpoints that the module now recomputes
        # (non-persistent): accepted and dropped when they equal the module's (checkpoint.py).
        self.derived = derived
        # For a detector released as several nets, one file each (a face detector, whose card
        # is `kind = "face-detector"`): (attribute of the module = file stem, example input
        # side, output names) per net; `--weights` names the folder holding them. None: one net.
        self.nets = nets

    def module(self):
        """The module `keys` lists and `export` loads into: full size unless a test asked for
        the reduced one and the family has it."""
        if self.reduced is not None and os.environ.get(REDUCED_ENV) == "1":
            return self.reduced()
        return self.build()

    def input_shape(self, batch):
        """The model input for `batch` samples, from the card: images [B, 3, S, S]; clip cards
        [B, 3, T, S, S] (layout bcthw) or [B, T, 3, S, S] (btchw)."""
        size = self.card["input_size"]
        if self.card.get("input") == "clip":
            frames = self.card["clip_size"]
            if self.card.get("layout", "bcthw") == "btchw":
                return (batch, frames, 3, size, size)
            return (batch, 3, frames, size, size)
        return (batch, 3, size, size)

    def random_input(self, batch, generator):
        """Seeded noise of the model's input shape as the card's preprocessing would hand it
        over: uniform pixels in [0, 1], normalised with the card's mean and std (for "half",
        uniform in [-1, 1])."""
        mean, std = NORMALIZATION[self.card.get("normalize", "half")]
        pixels = torch.rand(self.input_shape(batch), generator=generator)
        channels = 2 if self.card.get("input") == "clip" and self.card.get("layout") == "btchw" else 1
        view = [1] * pixels.dim()
        view[channels] = 3
        return (pixels - torch.tensor(mean).view(view)) / torch.tensor(std).view(view)


FAMILIES = [
    Family("cnnspot", cnnspot, {
        # AIGCDetectBenchmark's test transform: Resize(256) (PIL bilinear), CenterCrop(224).
        # (CNNDetection's own eval.py sets no_resize: CenterCrop(224) of the original image, or
        # --no_crop; a card for that protocol is univfd's geometry with ImageNet normalisation.)
        "input_size": 224,
        "resize": "shorter-crop",
        "resize_shorter": 256,
        "interpolation": "pil:bilinear",
        "normalize": "imagenet",
        "channel_order": "rgb",
        "output": "logit",
    }, ("module.",), "CNNSpot (Wang et al. 2020): torchvision ResNet-50, one logit",
        "PeterWang512/CNNDetection networks/resnet.py (torchvision layout)", "cnnspot"),
    Family("xception", nets_dfb.DfbXception, DFB_CARD, DFB_PREFIXES,
           "DeepfakeBench xception: Xception backbone, two classes",
           "SCLBD/DeepfakeBench training/networks/xception.py", "deepfakebench"),
    Family("meso4", nets_dfb.Meso4, DFB_CARD, DFB_PREFIXES,
           "DeepfakeBench meso4: MesoNet-4, two classes",
           "SCLBD/DeepfakeBench training/networks/mesonet.py", "deepfakebench"),
    Family("meso4Inception", nets_dfb.Meso4Inception, DFB_CARD, DFB_PREFIXES,
           "DeepfakeBench meso4Inception: MesoInception-4, two classes",
           "SCLBD/DeepfakeBench training/networks/mesonet.py", "deepfakebench"),
    Family("efficientnetb4", DfbEfficientNetB4, DFB_CARD, DFB_PREFIXES,
           "DeepfakeBench efficientnetb4: efficientnet-pytorch EfficientNet-B4, two classes",
           "SCLBD/DeepfakeBench training/networks/efficientnetb4.py", "deepfakebench"),
    Family("resnet34", DfbResNet34, DFB_CARD, DFB_PREFIXES,
           "DeepfakeBench resnet34 (CNN-Aug): torchvision ResNet-34, two classes",
           "SCLBD/DeepfakeBench training/networks/resnet34.py", "deepfakebench"),
    # The Xception-based detectors: DFB saves the whole detector's state_dict, so the keys carry
    # the detector's attribute names (`backbone.`, `FAD_head.`, ...); `backbone.` is stripped only
    # where every key has it (spsl). Their yamls: resolution 256, mean = std = 0.5, like DFB_CARD.
    Family("f3net", nets_dfb_detectors.F3Net, DFB_CARD, DFB_PREFIXES,
           "DeepfakeBench f3net: FAD head (DCT band filters, 12 channels) + Xception, two classes",
           "SCLBD/DeepfakeBench training/detectors/f3net_detector.py", "deepfakebench"),
    Family("spsl", nets_dfb_detectors.Spsl, DFB_CARD, DFB_PREFIXES,
           "DeepfakeBench spsl: RGB + phase spectrum into a 4-channel Xception, two classes",
           "SCLBD/DeepfakeBench training/detectors/spsl_detector.py", "deepfakebench",
           onnx_refusal="its phase spectrum is computed with torch.fft.fftn / torch.fft.ifftn and "
           "torch.angle on complex tensors (aten::fft_fftn, aten::angle, aten::fft_ifftn), which "
           "torch's ONNX exporter (TorchScript-based, opset 17) cannot export"),
    Family("srm", nets_dfb_detectors.Srm, DFB_CARD, DFB_PREFIXES,
           "DeepfakeBench srm: RGB + SRM-noise dual Xception, cross-modal attention, two classes",
           "SCLBD/DeepfakeBench training/detectors/srm_detector.py", "deepfakebench"),
    Family("ucf", nets_dfb_detectors.Ucf, DFB_CARD, DFB_PREFIXES,
           "DeepfakeBench ucf: forgery encoder (Xception) + shared head (inference), two classes",
           "SCLBD/DeepfakeBench training/detectors/ucf_detector.py", "deepfakebench"),
    Family("i3d", nets_video.i3d, DFB_CLIP_CARD, DFB_CLIP_PREFIXES,
           "DeepfakeBench i3d: SlowFast's I3D ResNet-50 on 16-frame clips, P(fake) (sigmoid head)",
           "SCLBD/DeepfakeBench training/detectors/i3d_detector.py (utils/slowfast ResNet)",
           "deepfakebench",
           reduced=nets_video.i3d_reduced),
    Family("altfreezing", nets_video.i3d, DFB_CLIP_CARD, DFB_CLIP_PREFIXES,
           "DeepfakeBench altfreezing: the i3d ResNet-50 trained with alternate freezing, P(fake)",
           "SCLBD/DeepfakeBench training/detectors/altfreezing_detector.py (utils/slowfast ResNet)",
           "deepfakebench",
           reduced=nets_video.i3d_reduced),
]

# DeepfakeBench's CLIP detectors keep `backbone` and `head` side by side, so only `module.` is
# stripped. transformers before 4.31 saved the vision embeddings' `position_ids` (an arange).
DFB_CLIP_PREFIXES = ("module.",)
DFB_CLIP_DERIVED = ("backbone.embeddings.position_ids",)

FAMILIES += [
    Family("npr", nets_npr.npr, {
        # NPR's test loader (data/datasets.py with test.py's settings): PIL RGB, torchvision
        # Resize((256, 256)) (PIL bilinear) on every set whose images vary in size, no crop,
        # ImageNet normalisation; sigmoid of one logit.
        "input_size": 256,
        "resize": "resize",
        "interpolation": "pil:bilinear",
        "normalize": "imagenet",
        "channel_order": "rgb",
        "output": "logit",
    }, ("module.",), "NPR (Tan et al. 2024): up-sampling residual into a truncated ResNet-50, one logit",
        "chuangchuangtan/NPR-DeepfakeDetection networks/resnet.py", "npr"),
    Family("clip", nets_clip.dfb_clip, dict(DFB_CARD, input_size=224), DFB_CLIP_PREFIXES,
           "DeepfakeBench clip: transformers CLIP ViT-B/16 vision model, two classes",
           "SCLBD/DeepfakeBench training/detectors/clip_detector.py", "deepfakebench",
           derived=DFB_CLIP_DERIVED),
    Family("effort", nets_clip.dfb_effort, dict(DFB_CARD, input_size=224, normalize="clip"),
           DFB_CLIP_PREFIXES,
           "DeepfakeBench effort: CLIP ViT-L/14 with SVD-residual attention, two classes",
           "SCLBD/DeepfakeBench training/detectors/effort_detector.py", "deepfakebench",
           reduced=nets_clip.dfb_effort_reduced, derived=DFB_CLIP_DERIVED),
    Family("univfd", nets_clip.univfd, {
        # UnivFD's validate.py: PIL RGB, CenterCrop(224) without any resize, CLIP normalisation;
        # sigmoid of one logit. Nothing is resized; a pil:* interpolation gives the crop
        # torchvision's geometry (offsets rounded as CenterCrop does, zero padding when smaller).
        "input_size": 224,
        "resize": "crop",
        "interpolation": "pil:bilinear",
        "normalize": "clip",
        "channel_order": "rgb",
        "output": "logit",
    }, ("module.",), "UnivFD (Ojha et al. 2023): linear probe on frozen CLIP ViT-L/14 (needs --encoder)",
        "WisconsinAIVision/UniversalFakeDetect models/clip_models.py", "univfd",
        reduced=nets_clip.univfd_reduced, encoder=nets_clip.load_univfd),
]

# Face detectors: a card of `kind = "face-detector"` (boxes and five landmarks, not a score), for
# `dfbench prepare`; never scored by `dfbench run`.
FAMILIES += [
    Family("mtcnn", nets_mtcnn.Mtcnn, nets_mtcnn.CARD, ("module.",),
           "MTCNN face detector (facenet-pytorch): PNet, RNet, ONet; boxes and five landmarks "
           "(--weights: the folder of pnet.pt, rnet.pt, onet.pt)",
           "timesler/facenet-pytorch models/mtcnn.py", "facenet-pytorch", nets=nets_mtcnn.NETS),
]

BY_NAME = {family.name: family for family in FAMILIES}


def get(name):
    family = BY_NAME.get(name)
    if family is None:
        raise KeyError(name)
    return family
