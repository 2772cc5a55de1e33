"""Standard 300-W metrics: inter-ocular NME, failure rate and the area under the CED curve."""

from __future__ import annotations

import numpy as np

from facefilter.types import OUTER_EYE_CORNERS


def nme(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Per-face NME: mean point-to-point error over the outer-eye-corner distance (a fraction).

    ``pred`` and ``gt`` are ``(N, 68, 2)``; returns ``(N,)`` float64 (multiply by 100 for %).
    """
    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    if pred.shape != gt.shape or pred.ndim != 3 or pred.shape[-1] != 2:
        raise ValueError(f"pred and gt must both be (N, 68, 2), got {pred.shape} and {gt.shape}")
    a, b = OUTER_EYE_CORNERS
    iod = np.linalg.norm(gt[:, a] - gt[:, b], axis=-1)
    return np.linalg.norm(pred - gt, axis=-1).mean(axis=-1) / np.maximum(iod, 1e-6)


def failure_rate(errors: np.ndarray, threshold: float = 0.08) -> float:
    """Fraction of faces whose NME exceeds ``threshold``."""
    return float(np.mean(np.asarray(errors) > threshold)) if len(errors) else float("nan")


def ced_curve(errors: np.ndarray, threshold: float = 0.08, steps: int = 801) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative error distribution: (x in [0, threshold], fraction of faces with NME <= x)."""
    xs = np.linspace(0.0, threshold, steps)
    e = np.sort(np.asarray(errors, dtype=np.float64))
    return xs, np.searchsorted(e, xs, side="right") / max(len(e), 1)


def auc(errors: np.ndarray, threshold: float = 0.08) -> float:
    """Area under the CED curve up to ``threshold``, normalised to [0, 1]."""
    xs, ys = ced_curve(errors, threshold)
    return float(np.trapezoid(ys, xs) / threshold) if hasattr(np, "trapezoid") else float(
        np.trapz(ys, xs) / threshold
    )
