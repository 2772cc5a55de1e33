"""Pixel warps that move the face itself (big eyes, slim face), as inverse maps (pure numpy).

Conventions are :mod:`facefilter.filters.geometry`'s: pixel coordinates with the origin at the
centre of the top-left pixel, x right, y down. A warp is an *inverse map*: for every destination
pixel of a region of interest ``roi = (x0, y0, width, height)``, the source pixel it reads
(``cv2.remap`` convention), as float32 ``(map_x, map_y)`` arrays of shape ``(height, width)``.
"""

from __future__ import annotations

import numpy as np


def _grid(roi: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Absolute pixel coordinates of ``roi``: float32 ``(map_x, map_y)``, writable."""
    x0, y0, w, h = roi
    xs = np.arange(x0, x0 + w, dtype=np.float32)
    ys = np.arange(y0, y0 + h, dtype=np.float32)
    return np.repeat(xs[None, :], h, 0), np.repeat(ys[:, None], w, 1)


def _window(roi: tuple[int, int, int, int], cx: float, cy: float, r: float) -> tuple[slice, slice] | None:
    """The rows and columns of ``roi`` within ``r`` of ``(cx, cy)`` (a square), or None."""
    x0, y0, w, h = roi
    c0, c1 = max(0, int(np.floor(cx - r)) - x0), min(w, int(np.ceil(cx + r)) + 1 - x0)
    r0, r1 = max(0, int(np.floor(cy - r)) - y0), min(h, int(np.ceil(cy + r)) + 1 - y0)
    if c1 <= c0 or r1 <= r0:
        return None
    return slice(r0, r1), slice(c0, c1)


def bulge_map(
    roi: tuple[int, int, int, int], centres: np.ndarray, radii: np.ndarray, strength: float
) -> tuple[np.ndarray, np.ndarray]:
    """Inverse map that magnifies discs (big eyes) over ``roi = (x0, y0, width, height)``.

    Inside a disc of radius ``R`` around ``c`` a destination pixel ``p`` reads the source at
    ``c + (p - c) * (1 - strength * (1 - r²/R²)²)``: the centre is magnified by
    ``1 / (1 - strength)``, the edge is left in place with a smooth (C1) transition, and the map
    is monotonic for ``0 <= strength < 1`` (no folds). Returns float32 ``(map_x, map_y)`` in
    absolute source pixels, shaped ``(height, width)``.
    """
    gx, gy = _grid(roi)
    mx, my = gx.copy(), gy.copy()
    for (cx, cy), r in zip(np.asarray(centres, np.float64), np.asarray(radii, np.float64), strict=True):
        win = _window(roi, cx, cy, r)
        if win is None:
            continue
        dx, dy = gx[win] - np.float32(cx), gy[win] - np.float32(cy)
        u = 1.0 - (dx * dx + dy * dy) / np.float32(r * r)
        np.clip(u, 0.0, None, out=u)
        k = np.float32(strength) * u * u
        mx[win] -= dx * k
        my[win] -= dy * k
    return mx, my


def translation_map(
    roi: tuple[int, int, int, int], centres: np.ndarray, moves: np.ndarray, sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """Inverse map that carries each control point ``c`` by its ``move`` with a Gaussian falloff.

    A destination pixel ``p`` reads the source at ``p - sum_j move_j * exp(-|p - c_j|^2 / (2 sigma^2))``:
    smooth everywhere (no kinks between control points spaced about ``sigma`` apart, e.g. along
    the jaw for a slimmer face). Keep ``|move| < sigma`` so the warp does not fold. Returns
    float32 ``(map_x, map_y)`` over ``roi = (x0, y0, width, height)``.
    """
    gx, gy = _grid(roi)
    mx, my = gx.copy(), gy.copy()
    k = np.float32(-0.5 / (sigma * sigma))
    for (cx, cy), (vx, vy) in zip(np.asarray(centres, np.float64), np.asarray(moves, np.float64), strict=True):
        win = _window(roi, cx, cy, 3 * sigma)  # exp(-4.5) = 1%: beyond it the weight is dropped
        if win is None:
            continue
        dx, dy = gx[win] - np.float32(cx), gy[win] - np.float32(cy)
        w = np.exp((dx * dx + dy * dy) * k)
        mx[win] -= w * np.float32(vx)
        my[win] -= w * np.float32(vy)
    return mx, my
