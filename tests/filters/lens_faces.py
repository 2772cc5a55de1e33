"""Synthetic faces with expressions for the lens tests: the template face, moved in its own frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facefilter.filters.geometry import TEMPLATE_68


@dataclass
class FakeFace:
    """What filters read of a tracked face: ``landmarks`` ``(68, 2)`` and an ``id``."""

    landmarks: np.ndarray
    id: int = 1
    pose: object = None


def expression(
    centre: tuple[float, float] = (160.0, 110.0),
    iod: float = 60.0,
    mouth: float = 0.0,
    smile: float = 0.0,
    mouth_width: float = 1.0,
    close_right: float = 0.0,
    close_left: float = 0.0,
) -> np.ndarray:
    """Template landmarks (float64 ``(68, 2)`` pixels) with the inner lips ``mouth`` template units
    apart (the template's own gap is closed first), the mouth ``mouth_width`` times as wide, then
    its corners pulled out by ``smile`` each, and each eye closed by a fraction."""
    p = TEMPLATE_68.copy()
    p[[65, 66, 67]] = p[[63, 62, 61]]  # closed lips
    p[[55, 56, 57, 58, 59, 65, 66, 67], 1] += mouth
    mid = p[48:68, 0].mean()
    p[48:68, 0] = mid + (p[48:68, 0] - mid) * mouth_width
    p[[48, 60], 0] -= smile
    p[[54, 64], 0] += smile
    for upper, lower, k in (([37, 38], [41, 40], close_right), ([43, 44], [47, 46], close_left)):
        p[upper] += k * (p[lower] - p[upper])
    return p * iod + np.asarray(centre)
