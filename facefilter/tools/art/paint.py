"""A tiny supersampled vector painter for the built-in filter artwork (numpy + cv2).

Shapes are filled as anti-aliased coverage masks on a canvas ``ss`` times larger than the
output, composited with premultiplied alpha, and box-filtered down at the end, so edges are
smooth and transparent pixels carry no stray colour. Coordinates are output pixels (origin at
the centre of the top-left pixel, y down); colours are ``"#rrggbb"`` strings or BGR 0..255 tuples.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

Colour = str | tuple[float, float, float]
SHIFT = 6  # sub-pixel bits for cv2 drawing


def bgr(colour: Colour) -> np.ndarray:
    """``"#rrggbb"`` or a BGR tuple (0..255) -> float32 BGR in [0, 1]."""
    if isinstance(colour, str):
        h = colour.lstrip("#")
        r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
        return np.array([b, g, r], np.float32) / 255.0
    return np.asarray(colour, np.float32) / 255.0


def spline(points: Sequence[Sequence[float]], closed: bool = False, samples: int = 16) -> np.ndarray:
    """A Catmull-Rom curve through ``points`` (``samples`` per segment), ``(M, 2)`` float64."""
    p = np.asarray(points, np.float64)
    if len(p) < 3:
        return p
    ext = (
        np.concatenate([p[-1:], p, p[:2]]) if closed else np.concatenate([2 * p[:1] - p[1:2], p, 2 * p[-1:] - p[-2:-1]])
    )
    n_seg = len(p) if closed else len(p) - 1
    t = np.linspace(0, 1, samples, endpoint=False)[:, None]
    out = []
    for i in range(n_seg):
        p0, p1, p2, p3 = ext[i], ext[i + 1], ext[i + 2], ext[i + 3]
        out.append(
            0.5
            * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3)
        )
    if not closed:
        out.append(p[-1:])
    return np.concatenate(out)


def ellipse(centre: Sequence[float], axes: Sequence[float], angle_deg: float = 0.0, n: int = 180) -> np.ndarray:
    """Polygon of an ellipse, ``(n, 2)``."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    a = np.radians(angle_deg)
    x, y = axes[0] * np.cos(t), axes[1] * np.sin(t)
    return np.stack([centre[0] + x * np.cos(a) - y * np.sin(a), centre[1] + x * np.sin(a) + y * np.cos(a)], 1)


class Canvas:
    """A transparent ``width`` x ``height`` picture painted at ``ss`` x supersampling."""

    def __init__(self, width: int, height: int, ss: int = 4) -> None:
        self.width, self.height, self.ss = width, height, ss
        self.px = np.zeros((height * ss, width * ss, 4), np.float32)  # premultiplied BGRA in [0, 1]

    # ------------------------------------------------------------------ coverage masks
    def _fixed(self, pts: np.ndarray) -> np.ndarray:
        p = (np.asarray(pts, np.float64) + 0.5) * self.ss - 0.5
        return np.round(p * (1 << SHIFT)).astype(np.int32)

    def empty(self) -> np.ndarray:
        return np.zeros(self.px.shape[:2], np.float32)

    def poly(self, *polys: np.ndarray) -> np.ndarray:
        """Coverage of the filled polygon(s) (even-odd, so an inner polygon cuts a hole)."""
        m = np.zeros(self.px.shape[:2], np.uint8)
        cv2.fillPoly(m, [self._fixed(p) for p in polys], 255, lineType=cv2.LINE_AA, shift=SHIFT)
        return m.astype(np.float32) / 255.0

    def stroke(self, pts: np.ndarray, width: float, closed: bool = False) -> np.ndarray:
        """Coverage of a polyline ``width`` output pixels thick, with round caps and joins."""
        m = np.zeros(self.px.shape[:2], np.uint8)
        th = max(1, round(width * self.ss))
        cv2.polylines(m, [self._fixed(pts)], closed, 255, th, lineType=cv2.LINE_AA, shift=SHIFT)
        return m.astype(np.float32) / 255.0

    def strokes(self, lines: Sequence[np.ndarray], width: float) -> np.ndarray:
        """Coverage of many polylines at once (cheaper than one :meth:`stroke` each)."""
        m = np.zeros(self.px.shape[:2], np.uint8)
        th = max(1, round(width * self.ss))
        cv2.polylines(m, [self._fixed(p) for p in lines], False, 255, th, lineType=cv2.LINE_AA, shift=SHIFT)
        return m.astype(np.float32) / 255.0

    def dots(self, centres: np.ndarray, radii: np.ndarray, alphas: np.ndarray) -> np.ndarray:
        """Coverage of many filled discs at once (radii in output pixels, each with its own alpha)."""
        m = np.zeros(self.px.shape[:2], np.uint8)
        for c, r, a in zip(self._fixed(centres), radii, alphas, strict=True):
            rr = round(float(r) * self.ss * (1 << SHIFT))
            cv2.circle(m, (int(c[0]), int(c[1])), rr, int(255 * a), -1, lineType=cv2.LINE_AA, shift=SHIFT)
        return m.astype(np.float32) / 255.0

    def grow(self, mask: np.ndarray, radius: float) -> np.ndarray:
        """The mask grown outwards by ``radius`` output pixels (shrunk when negative), anti-aliased."""
        r = radius * self.ss
        if r >= 0:
            dist = cv2.distanceTransform((mask < 0.5).astype(np.uint8), cv2.DIST_L2, 5)
            return np.clip(r - dist + 0.5, 0, 1).astype(np.float32)
        dist = cv2.distanceTransform((mask >= 0.5).astype(np.uint8), cv2.DIST_L2, 5)
        return np.clip(dist + r + 0.5, 0, 1).astype(np.float32)

    def blur(self, mask: np.ndarray, sigma: float) -> np.ndarray:
        """Gaussian blur of a mask, ``sigma`` in output pixels."""
        return cv2.GaussianBlur(mask, (0, 0), sigma * self.ss)

    def shift(self, mask: np.ndarray, dx: float, dy: float) -> np.ndarray:
        m = np.float32([[1, 0, dx * self.ss], [0, 1, dy * self.ss]])
        return cv2.warpAffine(mask, m, (mask.shape[1], mask.shape[0]))

    @property
    def alpha(self) -> np.ndarray:
        """Current coverage of the canvas (a copy)."""
        return self.px[..., 3].copy()

    # ------------------------------------------------------------------ colour fields
    def _coords(self) -> tuple[np.ndarray, np.ndarray]:
        h, w = self.px.shape[:2]
        xs = (np.arange(w, dtype=np.float32) + 0.5) / self.ss - 0.5
        ys = (np.arange(h, dtype=np.float32) + 0.5) / self.ss - 0.5
        return xs[None, :], ys[:, None]

    def linear(self, p0: Sequence[float], p1: Sequence[float], stops: Sequence[tuple[float, Colour]]) -> np.ndarray:
        """A linear gradient from ``p0`` to ``p1`` through colour ``stops`` [(t, colour)], (H, W, 3)."""
        x, y = self._coords()
        d = np.asarray(p1, np.float32) - np.asarray(p0, np.float32)
        t = ((x - p0[0]) * d[0] + (y - p0[1]) * d[1]) / float(d @ d)
        return self._ramp(t, stops)

    def radial(
        self, centre: Sequence[float], radius: Sequence[float] | float, stops: Sequence[tuple[float, Colour]]
    ) -> np.ndarray:
        """A radial (elliptical when ``radius`` is a pair) gradient, (H, W, 3)."""
        x, y = self._coords()
        rx, ry = (radius, radius) if np.isscalar(radius) else radius  # type: ignore[misc]
        t = np.sqrt(((x - centre[0]) / rx) ** 2 + ((y - centre[1]) / ry) ** 2)
        return self._ramp(t, stops)

    @staticmethod
    def _ramp(t: np.ndarray, stops: Sequence[tuple[float, Colour]]) -> np.ndarray:
        ts = np.array([s[0] for s in stops], np.float32)
        cs = np.stack([bgr(s[1]) for s in stops])
        t = np.clip(t, ts[0], ts[-1])
        return np.stack([np.interp(t, ts, cs[:, c]).astype(np.float32) for c in range(3)], -1)

    # ------------------------------------------------------------------ compositing
    def fill(self, mask: np.ndarray, colour: Colour | np.ndarray, alpha: float = 1.0) -> None:
        """Composite ``colour`` (a colour or an (H, W, 3) field) through ``mask`` over the canvas."""
        a = np.clip(mask, 0, 1) * np.float32(alpha)
        c = colour if isinstance(colour, np.ndarray) and colour.ndim == 3 else bgr(colour)  # type: ignore[arg-type]
        inv = 1.0 - a[..., None]
        self.px[..., :3] = c * a[..., None] + self.px[..., :3] * inv
        self.px[..., 3] = a + self.px[..., 3] * inv[..., 0]

    def fill_inside(self, mask: np.ndarray, colour: Colour | np.ndarray, alpha: float = 1.0) -> None:
        """Like :meth:`fill` but only where the canvas is already painted (highlights, texture)."""
        self.fill(mask * self.px[..., 3], colour, alpha)

    def erase(self, mask: np.ndarray) -> None:
        """Make the canvas transparent through ``mask``."""
        self.px *= (1.0 - np.clip(mask, 0, 1))[..., None]

    def shadow(self, mask: np.ndarray, dx: float, dy: float, sigma: float, alpha: float) -> None:
        """A soft dark shadow of ``mask``, offset by (dx, dy) output pixels."""
        self.fill(self.blur(self.shift(mask, dx, dy), sigma), (10, 10, 20), alpha)

    def image(self) -> np.ndarray:
        """The picture as straight-alpha BGRA ``uint8`` at output size (box-filtered, then un-premultiplied)."""
        small = cv2.resize(self.px, (self.width, self.height), interpolation=cv2.INTER_AREA)
        a = small[..., 3:4]
        colour = np.where(a > 1e-6, small[..., :3] / np.maximum(a, 1e-6), 0.0)
        out = np.concatenate([colour, a], -1)
        return np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)
