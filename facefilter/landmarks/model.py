"""The landmark network: a torchvision ResNet-18 on one grey channel with a 136-output head.

No I/O here: building, loading and saving weights live in :mod:`facefilter.landmarks.weights`.
"""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models import resnet18

from facefilter.types import N_LANDMARKS


class LandmarkNet(nn.Module):
    """ResNet-18 regressing ``n_points`` (x, y) pairs from a ``(B, 1, S, S)`` crop.

    Output: ``(B, n_points, 2)`` coordinates in crop units, centred: ``-0.5`` is the left/top
    edge of the crop, ``+0.5`` the right/bottom edge (see :mod:`facefilter.landmarks.crop`).
    """

    def __init__(self, n_points: int = N_LANDMARKS) -> None:
        super().__init__()
        self.n_points = n_points
        net = resnet18(weights=None)
        net.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
        net.fc = nn.Linear(net.fc.in_features, n_points * 2)
        self.backbone = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"LandmarkNet expects (B, 1, S, S) input, got {tuple(x.shape)}")
        return self.backbone(x).view(-1, self.n_points, 2)
