"""CLIP-based families: DeepfakeBench's `clip` and `effort` detectors (transformers' CLIP vision
model) and UnivFD (OpenAI CLIP ViT-L/14 image encoder, built with open_clip, plus a linear probe).

Upstream definitions (facts taken from them; the code here is ours):
  SCLBD/DeepfakeBench training/detectors/clip_detector.py   (`backbone` = CLIPModel.vision_model of
      openai/clip-vit-base-patch16, pooler_output → `head` Linear(768, 2))
  SCLBD/DeepfakeBench training/detectors/effort_detector.py (openai/clip-vit-large-patch14 vision
      model whose self-attention Linears become SVDResidualLinear with r = 1024 − 1, pooler_output
      → `head` Linear(1024, 2))
  WisconsinAIVision/UniversalFakeDetect models/clip_models.py, models/clip/model.py, validate.py
      (clip.load("ViT-L/14").encode_image → `fc` Linear(768, 1); the probe is released alone as
      pretrained_weights/fc_weights.pth, the encoder is OpenAI's ViT-L-14.pt)

No weights are downloaded: the modules are built from the architectures' numbers (random init) and
the released checkpoints are loaded into them strictly.
"""

import zipfile

import torch
from torch import nn
from torch.nn import functional as F

import checkpoint

# openai/clip-vit-base-patch16 and openai/clip-vit-large-patch14 vision configs (quick_gelu,
# layer_norm_eps 1e-5, image 224).
CLIP_B16 = {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
            "num_attention_heads": 12, "patch_size": 16, "projection_dim": 512}
CLIP_L14 = {"hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 24,
            "num_attention_heads": 16, "patch_size": 14, "projection_dim": 768}
# The reduced ViT-L/14 stand-in for CPU tests: same code, patch 14 at 224, 2 layers, width 64.
CLIP_L14_REDUCED = {"hidden_size": 64, "intermediate_size": 256, "num_hidden_layers": 2,
                    "num_attention_heads": 2, "patch_size": 14, "projection_dim": 32}


def clip_vision_model(numbers):
    """transformers' CLIP vision model (CLIPModel.vision_model: embeddings, pre_layrnorm, encoder,
    post_layernorm), eager attention (plain matmul/softmax, which traces and exports to ONNX)."""
    from transformers import CLIPVisionConfig, CLIPVisionModel

    config = CLIPVisionConfig(image_size=224, hidden_act="quick_gelu", layer_norm_eps=1e-5,
                              num_channels=3, **numbers)
    config._attn_implementation = "eager"
    return CLIPVisionModel(config)


class DfbClip(nn.Module):
    """DFB `clip`: `backbone` (CLIP ViT-B/16 vision model), its pooler_output (post-layernorm CLS
    token) → `head` Linear(768, 2). DFB saves the whole detector, so keys are `backbone.*`, `head.*`."""

    def __init__(self, numbers=None):
        super().__init__()
        numbers = numbers or CLIP_B16
        self.backbone = clip_vision_model(numbers)
        self.head = nn.Linear(numbers["hidden_size"], 2)

    def forward(self, x):
        return self.head(self.backbone(pixel_values=x).pooler_output)


class SvdResidualLinear(nn.Module):
    """Effort's SVDResidualLinear as a checkpoint holds it: `weight_main` (frozen principal part,
    the top-r singular directions of the pretrained weight), `bias`, then the trainable residual
    `S_residual` [k], `U_residual` [out, k], `V_residual` [k, in] (k = min(in, out) − r). The layer
    computes F.linear(x, weight_main + U_residual · diag(S_residual) · V_residual, bias)."""

    def __init__(self, in_features, out_features, rank):
        super().__init__()
        # Registration order is the checkpoint's: weight_main and bias in __init__, the residual
        # parameters assigned afterwards as S, U, V.
        self.weight_main = nn.Parameter(torch.zeros(out_features, in_features), requires_grad=False)
        self.bias = nn.Parameter(torch.zeros(out_features))
        residual = min(in_features, out_features) - rank
        self.S_residual = nn.Parameter(torch.zeros(residual))
        self.U_residual = nn.Parameter(torch.zeros(out_features, residual))
        self.V_residual = nn.Parameter(torch.zeros(residual, in_features))

    def forward(self, x):
        # U · diag(S) written as U * S (each column of U scaled by its singular value): the same
        # products, and no aten::diag, which ONNX export does not support.
        weight = self.weight_main + (self.U_residual * self.S_residual) @ self.V_residual
        return F.linear(x, weight, self.bias)


class DfbEffort(nn.Module):
    """DFB `effort`: CLIP ViT-L/14 vision model as `backbone` with every Linear inside each
    encoder layer's `self_attn` (k_proj, v_proj, q_proj, out_proj) replaced, in place, by an
    SvdResidualLinear of rank r = width − 1 (upstream: r = 1024 − 1), pooler_output → `head`
    Linear(width, 2)."""

    def __init__(self, numbers=None):
        super().__init__()
        numbers = numbers or CLIP_L14
        self.backbone = clip_vision_model(numbers)
        rank = numbers["hidden_size"] - 1
        for layer in self.backbone.encoder.layers:
            attention = layer.self_attn
            for name, child in list(attention.named_children()):
                if isinstance(child, nn.Linear):
                    setattr(attention, name,
                            SvdResidualLinear(child.in_features, child.out_features, rank))
        self.head = nn.Linear(numbers["hidden_size"], 2)

    def forward(self, x):
        return self.head(self.backbone(pixel_values=x).pooler_output)


def dfb_clip():
    return DfbClip()


def dfb_effort():
    return DfbEffort()


def dfb_effort_reduced():
    return DfbEffort(CLIP_L14_REDUCED)


# --- UnivFD ---------------------------------------------------------------------------------

# OpenAI CLIP ViT-L/14 image tower: 224, patch 14, width 1024, 24 layers, 16 heads (head width
# 64), QuickGELU, output (projection) 768.
UNIVFD_VISION = {"image_size": 224, "patch_size": 14, "width": 1024, "layers": 24}
UNIVFD_EMBED = 768
UNIVFD_VISION_REDUCED = {"image_size": 224, "patch_size": 14, "width": 64, "layers": 2,
                         "head_width": 32}
UNIVFD_EMBED_REDUCED = 32
# The probe file holds `fc`'s own state dict (upstream: model.fc.load_state_dict(torch.load(...))).
UNIVFD_PROBE = "fc."
# The encoder checkpoint is a whole CLIP model; the image tower is its `visual.*` part.
UNIVFD_ENCODER = "visual."


class UnivFD(nn.Module):
    """UnivFD: `visual`, open_clip's VisionTransformer in the OpenAI layout (conv1, class_embedding,
    positional_embedding, ln_pre, transformer.resblocks.N.{ln_1, attn.in_proj_*, attn.out_proj,
    ln_2, mlp.c_fc, mlp.c_proj}, ln_post, proj): ln_post(CLS) @ proj is CLIP's image embedding, then
    `fc` Linear(768, 1), one logit."""

    def __init__(self, vision=None, embed=UNIVFD_EMBED):
        super().__init__()
        from open_clip.model import _build_vision_tower

        self.visual = _build_vision_tower(embed, dict(vision or UNIVFD_VISION), quick_gelu=True)
        self.fc = nn.Linear(embed, 1)

    def forward(self, x):
        return self.fc(self.visual(x))


def univfd():
    return UnivFD()


def univfd_reduced():
    return UnivFD(UNIVFD_VISION_REDUCED, UNIVFD_EMBED_REDUCED)


def is_torchscript_archive(path):
    """OpenAI's released CLIP checkpoints (ViT-L-14.pt) are TorchScript archives: a zip with the
    module's `code/` and `constants.pkl` beside its `data.pkl`."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(name.endswith("/constants.pkl") or "/code/" in name for name in archive.namelist())


def read_encoder(path):
    """The encoder checkpoint's `visual.*` tensors (as float32: OpenAI's release is float16) and
    notes. Accepts a TorchScript archive (its state_dict) or a plain state dict .pth."""
    if is_torchscript_archive(path):
        try:
            weights = torch.jit.load(path, map_location="cpu").state_dict()
        except Exception as error:  # noqa: BLE001 - any failure means the file is unusable
            raise checkpoint.ImportProblem(
                f"--encoder {path} looks like a TorchScript archive but torch.jit.load cannot "
                f"read it: {error}") from error
        trail, form = [], "torchscript"
    else:
        weights, trail = checkpoint.unwrap(checkpoint.read_checkpoint(path), path)
        form = "state-dict"
    weights, stripped = checkpoint.strip_prefixes(dict(weights), ("module.",))
    visual = {key: value.float() if value.is_floating_point() else value
              for key, value in weights.items() if key.startswith(UNIVFD_ENCODER)}
    if not visual:
        raise checkpoint.ImportProblem(
            f"--encoder {path} has no `{UNIVFD_ENCODER}*` tensors (keys such as "
            f"{sorted(weights)[:checkpoint.SHOWN]}); pass the CLIP ViT-L/14 checkpoint "
            "(OpenAI's ViT-L-14.pt or a state dict with the OpenAI layout)")
    notes = {"form": form, "unwrapped": trail, "stripped_prefixes": stripped,
             "tensors": len(visual), "dropped": len(weights) - len(visual)}
    return visual, notes


def load_univfd(module, family, probe_path, encoder_path, prefixes):
    """Loads the probe (--weights: `weight`, `bias`, optionally under `fc.`/`module.`) and the
    encoder's `visual.*` (--encoder) into `module`, strictly over the union, or raises
    ImportProblem. Returns notes like checkpoint.load_strict's."""
    probe, trail = checkpoint.unwrap(checkpoint.read_checkpoint(probe_path), probe_path)
    probe, stripped = checkpoint.strip_prefixes(probe, prefixes + (UNIVFD_PROBE,))
    encoder, encoder_notes = read_encoder(encoder_path)
    weights = {UNIVFD_PROBE + key: value for key, value in probe.items()}
    weights.update(encoder)
    expected = module.state_dict()
    missing, unexpected, mismatched = checkpoint.compare(expected, weights)
    if missing or unexpected or mismatched:
        raise checkpoint.ImportProblem(
            checkpoint.describe(family, f"{probe_path} + --encoder {encoder_path}", missing,
                                unexpected, mismatched)
            + f"\n  (the probe's keys go under `{UNIVFD_PROBE}`, the encoder's `{UNIVFD_ENCODER}*` "
            "are kept)")
    module.load_state_dict(weights, strict=True)
    return {"unwrapped": trail, "stripped_prefixes": stripped, "tensors": len(probe),
            "encoder": encoder_notes}
