"""Tiny expression networks and a fake FER+ archive for the tests (no shared data needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def fake_ferplus(path: Path, n: int = 96, seed: int = 0) -> Path:
    """A ferplus.npz with the real arrays' names, dtypes and shapes: ``n`` faces, a third per split.

    Class 1 (happiness) faces are bright, class 0 (neutral) dark, so a network can learn them.
    """
    rng = np.random.default_rng(seed)
    split = np.repeat(np.arange(3, dtype=np.uint8), n // 3)
    label = rng.integers(0, 2, len(split))
    images = rng.integers(0, 60, (len(split), 48, 48)).astype(np.uint8) + (label * 150)[:, None, None].astype(np.uint8)
    votes = np.zeros((len(split), 10), np.uint8)
    votes[np.arange(len(split)), label] = 8
    votes[:, 3] = 2
    votes[::7, 8] = 9  # some "unknown" faces, dropped by the majority rule
    fer = np.where(split > 0, np.where(label == 1, 3, 6), -1).astype(np.int8)  # happy / neutral
    names = np.array([f"fer{i:07d}.png" for i in range(len(split))])
    out = path / "ferplus.npz"
    np.savez(out, images=images, votes=votes, split=split, fer2013_label=fer, names=names)
    return out


def tiny_weights(path: Path, width: int = 8, seed: int = 0) -> Path:
    """Random ExpressionNet weights (``width`` 8) saved as safetensors."""
    import torch

    from facefilter.expression.config import ExpressionConfig
    from facefilter.expression.net import ExpressionNet
    from facefilter.expression.torch_weights import save_weights

    torch.manual_seed(seed)
    net = ExpressionNet(width).eval()
    with torch.no_grad():  # give batch norm non-trivial statistics
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    save_weights(net, ExpressionConfig(width=width), path)
    return path
