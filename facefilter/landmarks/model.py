"""The landmark network: a torchvision ResNet-18 on one grey channel with a 68-point head.

Two heads, named by :data:`ARCHS` (stored with the weights as ``ModelConfig.arch``):

- ``resnet18-gray``: the reference head, global average pool then ``fc`` to 136 outputs.
- ``resnet18-gray-soft``: a spatial head. ``layer3`` (stride 16) and upsampled ``layer4``
  features are fused, and each point gets a softmax over the stride-16 grid plus an (x, y)
  offset per cell; the point is the probability-weighted mean of ``cell centre + offset``
  (a soft-argmax over local regressions). The output is the same ``(B, 68, 2)`` coordinates, so
  training, the loss and prediction do not change.

No I/O here: building, loading and saving weights live in :mod:`facefilter.landmarks.weights`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import resnet18

from facefilter.landmarks.arch import ARCH_FC, ARCH_SOFT, ARCHS
from facefilter.types import N_LANDMARKS

__all__ = ["ARCHS", "ARCH_FC", "ARCH_SOFT", "LandmarkNet", "SoftArgmaxHead", "soft_argmax"]


class SoftArgmaxHead(nn.Module):
    """``layer3`` ``(B, 256, H, W)`` + ``layer4`` ``(B, 512, H/2, W/2)`` -> ``(B, P, 2)`` centred crop units.

    Per point: logits and an offset (in cells) at every cell of the ``H x W`` grid. The point is
    ``sum_cells softmax(logits) * (centre + offset)``; a cell centre at column ``j`` is
    ``(j + 0.5) / W - 0.5`` (``-0.5`` = left edge of the crop, as the targets).
    """

    def __init__(self, n_points: int, width: int = 256) -> None:
        super().__init__()
        self.n_points = n_points
        self.lateral3 = nn.Conv2d(256, width, 1, bias=False)
        self.lateral4 = nn.Conv2d(512, width, 1, bias=False)
        self.fuse = nn.Sequential(
            nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
        )
        self.out = nn.Conv2d(width, n_points * 3, 1)
        nn.init.zeros_(self.out.weight)  # start from uniform probabilities and zero offsets
        nn.init.zeros_(self.out.bias)

    def forward(self, f3: torch.Tensor, f4: torch.Tensor) -> torch.Tensor:
        h, w = f3.shape[-2:]
        x = self.lateral3(f3) + F.interpolate(self.lateral4(f4), size=(h, w), mode="nearest")
        return soft_argmax(self.out(self.fuse(x)).float(), self.n_points)


def soft_argmax(maps: torch.Tensor, n_points: int) -> torch.Tensor:
    """Points from per-cell logits and offsets: ``(B, 3P, H, W)`` -> ``(B, P, 2)`` centred crop units.

    Channels ``0..P-1`` are point ``i``'s logits; channels ``P + 2i`` and ``P + 2i + 1`` its x and y
    offsets in cells. Point ``i`` is ``sum_cells softmax(logits_i) * (centre + offset_i)``, where the
    centre of the cell in row ``r``, column ``c`` is ``((c + 0.5) / W - 0.5, (r + 0.5) / H - 0.5)``.
    """
    if maps.ndim != 4 or maps.shape[1] != 3 * n_points:
        raise ValueError(f"soft_argmax expects (B, {3 * n_points}, H, W) maps, got {tuple(maps.shape)}")
    h, w = maps.shape[-2:]
    p = n_points
    prob = torch.softmax(maps[:, :p].reshape(-1, p, h * w), dim=-1)
    off = maps[:, p:].reshape(-1, p, 2, h * w)
    ys = (torch.arange(h, device=maps.device, dtype=maps.dtype) + 0.5) / h - 0.5
    xs = (torch.arange(w, device=maps.device, dtype=maps.dtype) + 0.5) / w - 0.5
    cx = xs.view(1, w).expand(h, w).reshape(h * w) + off[:, :, 0] / w
    cy = ys.view(h, 1).expand(h, w).reshape(h * w) + off[:, :, 1] / h
    return torch.stack([(prob * cx).sum(-1), (prob * cy).sum(-1)], dim=-1)


class LandmarkNet(nn.Module):
    """ResNet-18 locating ``n_points`` (x, y) pairs in a ``(B, 1, S, S)`` crop.

    Output: ``(B, n_points, 2)`` coordinates in crop units, centred: ``-0.5`` is the left/top
    edge of the crop, ``+0.5`` the right/bottom edge (see :mod:`facefilter.landmarks.crop`).
    ``arch`` picks the head (:data:`ARCHS`); the backbone's tensors have the same names in both.
    """

    def __init__(self, n_points: int = N_LANDMARKS, arch: str = ARCH_FC) -> None:
        super().__init__()
        if arch not in ARCHS:
            raise ValueError(f"arch must be one of {', '.join(ARCHS)}, got {arch!r}")
        self.n_points = n_points
        self.arch = arch
        net = resnet18(weights=None)
        net.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
        if arch == ARCH_FC:
            net.fc = nn.Linear(net.fc.in_features, n_points * 2)
        else:
            del net.fc, net.avgpool
            self.head = SoftArgmaxHead(n_points)
        self.backbone = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"LandmarkNet expects (B, 1, S, S) input, got {tuple(x.shape)}")
        if self.arch == ARCH_FC:
            return self.backbone(x).view(-1, self.n_points, 2)
        b = self.backbone
        x = b.maxpool(b.relu(b.bn1(b.conv1(x))))
        f3 = b.layer3(b.layer2(b.layer1(x)))
        return self.head(f3, b.layer4(f3))
