"""Figures a training run writes beside its checkpoints (matplotlib, Agg backend, no display)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def plot_loss_curve(
    history: list[dict[str, float]],
    path: str | Path,
    scores: tuple[tuple[str, str], ...] = (("val_nme", "val NME %"),),
    score_axis: str = "val NME (%)",
    loss_axis: str = "loss",
    log_loss: bool = True,
) -> None:
    """Train and validation loss per epoch (left axis) and validation scores (right axis).

    ``scores``: ``(history key, legend label)`` pairs drawn dashed, dotted, ... on the right axis
    (default: the landmark model's NME); ``score_axis``/``loss_axis`` name the axes; ``log_loss``
    draws the loss on a log scale.
    """
    epochs = [h["epoch"] for h in history]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    ax.plot(epochs, [h["train_loss"] for h in history], label="train loss")
    ax.plot(epochs, [h["val_loss"] for h in history], label="val loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel(loss_axis)
    if log_loss:
        ax.set_yscale("log")
    ax2 = ax.twinx()
    for (key, label), style in zip(scores, ("k--", "k:", "k-.", "k-"), strict=False):
        ax2.plot(epochs, [h[key] for h in history], style, label=label)
    ax2.set_ylabel(score_axis)
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [str(line.get_label()) for line in lines], loc="upper right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_samples(crops: np.ndarray, gt: np.ndarray, pred: np.ndarray, path: str | Path) -> None:
    """Grid of grey crops with ground truth in green and predictions in red (crop pixels)."""
    n = len(crops)
    cols = min(4, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 3 * rows), dpi=100, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, c, g, p in zip(axes.flat, crops, gt, pred, strict=False):
        ax.imshow(c, cmap="gray", vmin=0, vmax=255)
        ax.scatter(g[:, 0], g[:, 1], s=6, c="lime", label="ground truth")
        ax.scatter(p[:, 0], p[:, 1], s=6, c="red", label="prediction")
    axes.flat[0].legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_ced(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: str | Path) -> None:
    """Cumulative error distribution curves (NME as a fraction on x)."""
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for label, (xs, ys) in curves.items():
        ax.plot(xs * 100, ys, label=label)
    ax.set_xlabel("NME (% of inter-ocular distance)")
    ax.set_ylabel("fraction of faces")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
