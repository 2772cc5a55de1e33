"""Landmark losses, chosen by name. Inputs are ``(B, 68, 2)`` in centred crop units."""

from __future__ import annotations

import math

import torch
from torch import nn


class WingLoss(nn.Module):
    """Wing loss (Feng et al., CVPR 2018) on coordinates scaled to ``pixels`` crop pixels.

    Log-shaped for small errors (|x| < ``w``) and L1 beyond, so small and medium errors keep
    a strong gradient.
    """

    def __init__(self, w: float = 10.0, eps: float = 2.0, pixels: float = 160.0) -> None:
        super().__init__()
        self.w, self.eps, self.pixels = w, eps, pixels
        self.c = w - w * math.log(1.0 + w / eps)

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        x = (pred - target).abs() * self.pixels
        loss = torch.where(x < self.w, self.w * torch.log1p(x / self.eps), x - self.c)
        return loss.mean()


class ScaledL1(nn.Module):
    """L1 in crop pixels (so its value reads as the mean absolute error per coordinate)."""

    def __init__(self, pixels: float = 160.0) -> None:
        super().__init__()
        self.pixels = pixels

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return (pred - target).abs().mean() * self.pixels


class ScaledMSE(nn.Module):
    """MSE in crop pixels squared (the reference recipe's loss)."""

    def __init__(self, pixels: float = 160.0) -> None:
        super().__init__()
        self.pixels = pixels

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return ((pred - target) * self.pixels).pow(2).mean()


LOSSES = {"l1": ScaledL1, "mse": ScaledMSE, "wing": WingLoss}


def make_loss(name: str, pixels: float) -> nn.Module:
    """Build the loss called ``name`` (one of ``l1``, ``mse``, ``wing``)."""
    try:
        return LOSSES[name](pixels=pixels)
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {sorted(LOSSES)}") from None
