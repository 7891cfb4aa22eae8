"""NPR (Tan et al., CVPR 2024, "Rethinking the up-sampling operations in CNN-based generative
network for generalizable deepfake detection").

Upstream definition (facts taken from it; the code here is ours):
  chuangchuangtan/NPR-DeepfakeDetection networks/resnet.py: resnet50(num_classes=1)
The model's input is the image's neighbouring-pixel residual, computed inside forward:
  NPR = x − up(down(x)), down = F.interpolate(scale_factor 0.5, nearest), up = F.interpolate(
  scale_factor 2, nearest), both with recompute_scale_factor=True;
then conv1(NPR · 2/3). The ResNet-50 is truncated: a 3×3 stride-2 stem conv (not torchvision's
7×7), bn1, relu, maxpool, layer1 (3 Bottlenecks, 64) and layer2 (4 Bottlenecks, 128, stride 2), then
global average pool and `fc1` Linear(512, 1): one logit. Key names are upstream's (conv1, bn1,
layer1, layer2, fc1); the Bottleneck and its downsample are torchvision's layout.
"""

import torch
from torch import nn
from torch.nn import functional as F


class Npr(nn.Module):
    def __init__(self):
        super().__init__()
        from torchvision.models.resnet import Bottleneck

        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._layer(Bottleneck, 64, 3, stride=1)
        self.layer2 = self._layer(Bottleneck, 128, 4, stride=2)
        self.fc1 = nn.Linear(512, 1)

    def _layer(self, block, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    @staticmethod
    def residual(x):
        """x − nearest-upsampled(nearest-downsampled(x)), factor 2 (upstream `interpolate(x, 0.5)`)."""
        down = F.interpolate(x, scale_factor=0.5, mode="nearest", recompute_scale_factor=True)
        up = F.interpolate(down, scale_factor=2.0, mode="nearest", recompute_scale_factor=True)
        return x - up

    def forward(self, x):
        x = self.conv1(self.residual(x) * 2.0 / 3.0)
        x = self.maxpool(self.relu(self.bn1(x)))
        x = self.layer2(self.layer1(x))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc1(x)


def npr():
    return Npr()
