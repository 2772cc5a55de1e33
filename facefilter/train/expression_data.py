"""FER+ for the expression network: labels by the FER+ protocols, batched augmentation (torch).

``ferplus.npz`` (see ``../shared/data/fer-plus/README.md``) holds 48x48 grey faces, 10 votes per
face (8 emotions in :data:`facefilter.expression.EXPRESSIONS` order, then unknown and not-a-face),
the official split (0 train, 1 valid, 2 test) and FER-2013's original 7-class labels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from facefilter.data import DatasetError

SPLITS = {"train": 0, "valid": 1, "test": 2}
# FER-2013's classes (angry, disgust, fear, happy, sad, surprise, neutral) -> index in EXPRESSIONS.
FER2013_TO_FERPLUS = np.array([4, 5, 6, 1, 3, 2, 0])


@dataclass(frozen=True)
class FerSplit:
    """One split's faces kept by the majority rule.

    ``images`` (N, 48, 48) uint8; ``majority`` (N,) int64 class in EXPRESSIONS order; ``soft``
    (N, 8) float32 vote distribution (single votes dropped, rows sum to 1); ``fer2013`` (N,) int8
    original FER-2013 label (0..6, -1 unknown).
    """

    images: np.ndarray
    majority: np.ndarray
    soft: np.ndarray
    fer2013: np.ndarray

    def __len__(self) -> int:
        return len(self.images)


def majority_labels(votes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """FER+ "majority" protocol on ``(N, 10)`` votes -> (keep mask, label, soft distribution).

    Single votes are dropped; a face is kept when its top class holds more than half of the
    remaining votes and is one of the 8 emotions (not unknown / not-a-face). ``soft`` is the
    remaining votes over the 8 emotions, normalised (zeros where there are none).
    """
    if votes.ndim != 2 or votes.shape[1] != 10:
        raise ValueError(f"votes must be (N, 10), got {votes.shape}")
    v = votes.astype(np.float32).copy()
    v[v <= 1] = 0
    total = v.sum(1)
    top = v.argmax(1)
    keep = (v[np.arange(len(v)), top] > total / 2) & (top < 8) & (total > 0)
    emo = v[:, :8]
    s = emo.sum(1, keepdims=True)
    soft = np.divide(emo, s, out=np.zeros_like(emo), where=s > 0)
    return keep, top.astype(np.int64), soft


def load_ferplus(path: str | Path, split: str) -> FerSplit:
    """The faces of ``split`` ("train", "valid", "test") kept by the majority rule."""
    path = Path(path)
    if path.is_dir():
        path = path / "ferplus.npz"
    if not path.is_file():
        raise DatasetError(f"{path}: FER+ archive not found")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    with np.load(path) as d:
        for key in ("images", "votes", "split", "fer2013_label"):
            if key not in d.files:
                raise DatasetError(f"{path}: missing array '{key}'")
        sel = d["split"] == SPLITS[split]
        images, votes, fer = d["images"][sel], d["votes"][sel], d["fer2013_label"][sel]
    keep, label, soft = majority_labels(votes)
    return FerSplit(images[keep], label[keep], soft[keep], fer[keep])


def load_fer2013_test(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """FER-2013 private test: every test face with a known original label -> (images, labels 0..6)."""
    path = Path(path)
    if path.is_dir():
        path = path / "ferplus.npz"
    with np.load(path) as d:
        sel = (d["split"] == SPLITS["test"]) & (d["fer2013_label"] >= 0)
        return d["images"][sel], d["fer2013_label"][sel].astype(np.int64)


@dataclass(frozen=True)
class AugmentConfig:
    """Batched augmentation of 48x48 crops (all ranges symmetric)."""

    flip: float = 0.5  # mirror probability
    rotation: float = 10.0  # max roll, degrees
    scale: float = 0.1  # max relative zoom
    shift: float = 0.08  # max shift, fraction of the crop
    brightness: float = 0.2  # max brightness offset, fraction of the range
    contrast: float = 0.2  # max relative contrast change
    erase: float = 0.25  # probability of a random erased rectangle


def to_input(images: torch.Tensor, size: int, mean: float, std: float) -> torch.Tensor:
    """``(B, 48, 48)`` uint8 -> ``(B, 1, size, size)`` float normalised (bilinear resize if needed)."""
    x = images.float().unsqueeze(1) / 255.0
    if x.shape[-1] != size:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    return (x - mean) / std


def augment(images: torch.Tensor, size: int, mean: float, std: float, cfg: AugmentConfig,
            gen: torch.Generator) -> torch.Tensor:
    """Random affine (flip, roll, zoom, shift), brightness/contrast and erasing on a uint8 batch.

    ``(B, 48, 48)`` uint8 -> ``(B, 1, size, size)`` normalised float, resampled once (bilinear,
    reflected borders).
    """
    b = images.shape[0]
    x = images.float().unsqueeze(1) / 255.0

    def u(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(b, generator=gen)

    ang = u(-cfg.rotation, cfg.rotation) * math.pi / 180
    zoom = 1 + u(-cfg.scale, cfg.scale)
    flip = torch.where(torch.rand(b, generator=gen) < cfg.flip, -1.0, 1.0)
    tx, ty = u(-cfg.shift, cfg.shift) * 2, u(-cfg.shift, cfg.shift) * 2
    cos, sin = torch.cos(ang) / zoom, torch.sin(ang) / zoom
    theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, [b, 1, size, size], align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    m = x.mean((1, 2, 3), keepdim=True)
    x = (x - m) * (1 + u(-cfg.contrast, cfg.contrast)).view(b, 1, 1, 1) + m
    x = (x + u(-cfg.brightness, cfg.brightness).view(b, 1, 1, 1)).clamp(0, 1)
    if cfg.erase > 0:
        do = torch.rand(b, generator=gen) < cfg.erase
        eh = (u(0.15, 0.4) * size).long()
        ew = (u(0.15, 0.4) * size).long()
        y0 = (torch.rand(b, generator=gen) * (size - eh)).long()
        x0 = (torch.rand(b, generator=gen) * (size - ew)).long()
        r = torch.arange(size)
        mask = ((r.view(1, -1, 1) >= y0.view(-1, 1, 1)) & (r.view(1, -1, 1) < (y0 + eh).view(-1, 1, 1))
                & (r.view(1, 1, -1) >= x0.view(-1, 1, 1)) & (r.view(1, 1, -1) < (x0 + ew).view(-1, 1, 1)))
        mask = mask & do.view(-1, 1, 1)
        x = torch.where(mask.unsqueeze(1), torch.rand(b, 1, 1, 1, generator=gen), x)
    return (x - mean) / std
