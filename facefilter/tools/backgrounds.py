"""``python -m facefilter.tools.backgrounds --out assets/backgrounds``: draw the shipped backgrounds.

Procedural art, drawn by the project (no photos, nothing downloaded), seeded so a rebuild gives
the same files: ``office`` (a room out of focus: window light, shelves, a plant, lamps as bokeh),
``studio`` (a mottled photographer's backdrop lit from the front) and ``beach`` (sky, sea, surf
and sand, slightly soft as a background behind a person is). Each is a 1280x720 JPEG (the app
cover-fits it to any frame). Images are HxWx3 uint8 BGR; sizes are (width, height).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

SIZE = (1280, 720)


def _vgrad(h: int, w: int, top: tuple[float, float, float], bottom: tuple[float, float, float],
           gamma: float = 1.0) -> np.ndarray:
    """float32 HxWx3 BGR: ``top`` colour at the first row to ``bottom`` at the last (``t ** gamma``)."""
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None] ** gamma
    img = np.asarray(top, np.float32) * (1 - t) + np.asarray(bottom, np.float32) * t
    return np.broadcast_to(img, (h, w, 3)).copy()


def _field(h: int, w: int, rng: np.random.Generator, cells: int, octaves: int = 3) -> np.ndarray:
    """float32 HxW smooth noise in about [-1, 1]: random grids of ``cells`` columns, upsampled, summed."""
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        gw = max(2, cells * 2**o)
        gh = max(2, round(gw * h / w))
        grid = rng.uniform(-1, 1, (gh, gw)).astype(np.float32)
        out += amp * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
    return out / total


def _vignette(h: int, w: int, strength: float, center: tuple[float, float] = (0.5, 0.5)) -> np.ndarray:
    """float32 HxWx1 multiplier: 1 at ``center`` (fractions of w, h), ``1 - strength`` in the far corners."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.hypot((x / w - center[0]) * 1.3, (y / h - center[1]))
    d /= d.max()
    return (1 - strength * d**2)[..., None]


def _grain(img: np.ndarray, rng: np.random.Generator, sigma: float = 1.6) -> np.ndarray:
    """Fine noise so the smooth gradients do not band in 8 bits or in the JPEG."""
    return img + rng.normal(0, sigma, img.shape).astype(np.float32)


def _to_u8(img: np.ndarray) -> np.ndarray:
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def _bokeh(img: np.ndarray, rng: np.random.Generator, n: int, region: tuple[float, float, float, float],
           radius: tuple[float, float], colors: list[tuple[float, float, float]], alpha: tuple[float, float]) -> None:
    """Add ``n`` out-of-focus light discs (soft rim, brighter edge) inside ``region`` (x0, y0, x1, y1 fractions)."""
    h, w = img.shape[:2]
    for _ in range(n):
        r = rng.uniform(*radius) * w
        cx = rng.uniform(region[0], region[2]) * w
        cy = rng.uniform(region[1], region[3]) * h
        x0, x1 = int(max(0, cx - r - 3)), int(min(w, cx + r + 4))
        y0, y1 = int(max(0, cy - r - 3)), int(min(h, cy + r + 4))
        if x1 <= x0 or y1 <= y0:
            continue
        y, x = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        d = np.hypot(x - cx, y - cy) / r
        disc = np.clip((1.0 - d) * r / 1.5, 0, 1)  # about 1.5 px soft rim
        disc *= 0.8 + 0.2 * np.clip(d, 0, 1) ** 4  # a slightly brighter edge, as real bokeh has
        a = rng.uniform(*alpha)
        col = np.asarray(colors[int(rng.integers(len(colors)))], np.float32)
        img[y0:y1, x0:x1] += (a * disc)[..., None] * (col - img[y0:y1, x0:x1] * 0.5)


def office(size: tuple[int, int] = SIZE, seed: int = 1, *, in_focus: bool = False) -> np.ndarray:
    """A bright office out of focus: warm wall, window light at the left, a shelf, a plant, lamps as bokeh.

    ``in_focus``: the same room sharp, without bokeh (a camera's real room, for benchmarks and demos).
    """
    w, h = size
    rng = np.random.default_rng(seed)
    img = _vgrad(h, w, (178, 196, 214), (122, 142, 164), gamma=1.2)  # warm wall, darker towards the floor
    img *= 1 + 0.05 * _field(h, w, rng, 4)[..., None]
    # the window: cool daylight, with mullions
    wx0, wx1, wy0, wy1 = int(0.04 * w), int(0.34 * w), int(0.10 * h), int(0.74 * h)
    img[wy0:wy1, wx0:wx1] = _vgrad(wy1 - wy0, wx1 - wx0, (250, 240, 228), (236, 226, 210))
    trees = _field(wy1 - wy0, wx1 - wx0, rng, 5)
    outside = np.clip(trees * 1.6 - 0.1, 0, 1)[..., None]  # soft green of trees outside
    img[wy0:wy1, wx0:wx1] = img[wy0:wy1, wx0:wx1] * (1 - 0.45 * outside) + np.float32([120, 170, 140]) * (
        0.45 * outside)
    frame_col = (214, 222, 230)
    cv2.rectangle(img, (wx0, wy0), (wx1, wy1), frame_col, int(0.012 * w))
    for fx in (0.5,):
        x = int(wx0 + fx * (wx1 - wx0))
        cv2.line(img, (x, wy0), (x, wy1), frame_col, int(0.008 * w))
    y = int(wy0 + 0.45 * (wy1 - wy0))
    cv2.line(img, (wx0, y), (wx1, y), frame_col, int(0.008 * w))
    # a shelf of books at the right
    sx0, sx1 = int(0.58 * w), int(0.96 * w)
    for row, sy in enumerate((0.30, 0.52)):
        base = int(sy * h)
        cv2.rectangle(img, (sx0, base), (sx1, base + int(0.02 * h)), (70, 92, 118), -1)
        x = sx0 + int(0.01 * w)
        while x < sx1 - int(0.02 * w):
            bw = int(rng.uniform(0.010, 0.022) * w)
            bh = int(rng.uniform(0.10, 0.15) * h)
            col = [(60, 70, 150), (140, 110, 60), (70, 130, 90), (190, 190, 185), (50, 120, 180), (110, 80, 120)][
                int(rng.integers(6))]
            if rng.random() < 0.15 and row == 1:  # a gap, then a plant pot
                x += bw * 2
                continue
            cv2.rectangle(img, (x, base - bh), (x + bw, base), tuple(float(c) * rng.uniform(0.85, 1.1) for c in col),
                          -1)
            x += bw + 2
    # a plant in the corner between window and shelf
    px, py = int(0.45 * w), int(0.78 * h)
    cv2.rectangle(img, (px - int(0.035 * w), py), (px + int(0.035 * w), int(0.95 * h)), (90, 110, 150), -1)
    for _ in range(26):
        a = rng.uniform(-2.6, -0.5)
        ln = rng.uniform(0.12, 0.30) * h
        cx, cy = px + np.cos(a) * ln * 0.7, py + np.sin(a) * ln
        cv2.ellipse(img, (int(cx), int(cy)), (int(0.045 * h), int(0.016 * h)), float(np.degrees(a)), 0, 360,
                    tuple(float(c) for c in rng.uniform([40, 110, 50], [80, 160, 90])), -1)
    # a desk along the bottom
    cv2.rectangle(img, (0, int(0.86 * h)), (w, h), (88, 118, 150), -1)
    if in_focus:
        return _to_u8(_grain(cv2.GaussianBlur(img, (0, 0), 0.8) * _vignette(h, w, 0.18, (0.45, 0.4)), rng))
    img = cv2.GaussianBlur(img, (0, 0), 0.012 * w)  # the depth of field: all of it out of focus
    _bokeh(img, rng, 9, (0.40, 0.02, 0.98, 0.16), (0.025, 0.045), [(190, 235, 255), (170, 215, 250)], (0.25, 0.5))
    _bokeh(img, rng, 6, (0.06, 0.14, 0.32, 0.70), (0.012, 0.024), [(255, 250, 240), (230, 245, 255)], (0.08, 0.2))
    img = cv2.GaussianBlur(img, (0, 0), 1.2)
    img *= _vignette(h, w, 0.18, (0.45, 0.4))
    return _to_u8(_grain(img, rng))


def studio(size: tuple[int, int] = SIZE, seed: int = 2) -> np.ndarray:
    """A photographer's mottled backdrop in slate blue, lit from the front, darker at the edges."""
    w, h = size
    rng = np.random.default_rng(seed)
    base = np.float32([118, 104, 88])  # slate blue-grey (BGR)
    img = np.broadcast_to(base, (h, w, 3)).copy()
    mottle = _field(h, w, rng, 3, octaves=4)
    img *= (1 + 0.16 * mottle)[..., None]
    tint = _field(h, w, rng, 2, octaves=2)[..., None]
    img += tint * np.float32([14, 4, -8])  # patches drifting warmer and cooler
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    light = np.exp(-(((x - 0.5 * w) / (0.42 * w)) ** 2 + ((y - 0.42 * h) / (0.55 * h)) ** 2))
    img *= (0.55 + 0.75 * light)[..., None]
    img = cv2.GaussianBlur(img, (0, 0), 2.0)
    return _to_u8(_grain(img, rng, 1.4))


def beach(size: tuple[int, int] = SIZE, seed: int = 3) -> np.ndarray:
    """A sunny beach: deep blue sky fading to the horizon, soft clouds, the sun's glow, sea, surf and sand."""
    w, h = size
    rng = np.random.default_rng(seed)
    horizon = int(0.56 * h)
    shore = int(0.74 * h)
    img = np.zeros((h, w, 3), np.float32)
    img[:horizon] = _vgrad(horizon, w, (196, 126, 52), (240, 218, 190), gamma=0.8)  # sky
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    sun = (0.80 * w, 0.16 * h)
    glow = np.exp(-(((x - sun[0]) ** 2 + (y - sun[1]) ** 2) / (2 * (0.11 * w) ** 2)))
    img[:horizon] += (glow[:horizon, :, None] * np.float32([60, 70, 75]))
    cv2.circle(img, (int(sun[0]), int(sun[1])), int(0.028 * w), (246, 252, 255), -1, cv2.LINE_AA)
    # clouds: thresholded smooth noise, flattened towards the horizon
    c = _field(horizon, w, rng, 6, octaves=4)
    c = np.clip((c - 0.05) * 2.2, 0, 1) * np.linspace(0.9, 0.3, horizon, dtype=np.float32)[:, None]
    c = cv2.GaussianBlur(c, (0, 0), 3)
    img[:horizon] = img[:horizon] * (1 - c[..., None]) + np.float32([250, 248, 246]) * c[..., None]
    # sea: turquoise near the shore to deep blue at the horizon, with glints
    sea = _vgrad(shore - horizon, w, (150, 110, 30), (190, 180, 70), gamma=0.7)
    streaks = _field(shore - horizon, w // 8, rng, 20, octaves=2)
    streaks = cv2.resize(streaks, (w, shore - horizon), interpolation=cv2.INTER_CUBIC)
    sea *= (1 + 0.06 * streaks)[..., None]
    glint = np.exp(-(((x[horizon:shore] - sun[0]) / (0.08 * w)) ** 2)) * np.clip(streaks, 0, 1) * 0.5
    sea += glint[..., None] * np.float32([80, 80, 70])
    img[horizon:shore] = sea
    # sand with a wet band and surf along a wavy shore line
    img[shore:] = _vgrad(h - shore, w, (150, 190, 214), (168, 206, 228))
    img[shore:] *= (1 + 0.05 * _field(h - shore, w, rng, 12, octaves=3))[..., None]
    wave = (shore + 0.012 * h * np.sin(np.linspace(0, 5 * np.pi, w)) + 0.01 * h * _field(1, w, rng, 7)[0]).astype(
        np.float32)
    d = y - wave[None, :]
    wet = np.clip(1 - np.abs(d - 0.03 * h) / (0.035 * h), 0, 1)
    img *= (1 - 0.22 * wet)[..., None]
    foam = np.exp(-((d / (0.006 * h)) ** 2)) + 0.5 * np.exp(-(((d + 0.025 * h) / (0.004 * h)) ** 2))
    img = img * (1 - np.clip(foam, 0, 1)[..., None]) + np.float32([245, 245, 240]) * np.clip(foam, 0, 1)[..., None]
    img[horizon - 1 : horizon + 1] = img[horizon - 1 : horizon + 1] * 0.7 + np.float32([200, 160, 90]) * 0.3
    img = cv2.GaussianBlur(img, (0, 0), 2.2)  # a background is slightly out of focus
    return _to_u8(_grain(img, rng, 1.2))


BACKGROUNDS: dict[str, Callable[..., np.ndarray]] = {"office": office, "studio": studio, "beach": beach}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m facefilter.tools.backgrounds", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for the JPEGs (the app's: assets/backgrounds)")
    ap.add_argument("--only", nargs="*", choices=sorted(BACKGROUNDS), help="only these backgrounds")
    ap.add_argument("--quality", type=int, default=88, help="JPEG quality")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.only or BACKGROUNDS:
        img = BACKGROUNDS[name](SIZE)
        path = args.out / f"{name}.jpg"
        if not cv2.imwrite(str(path), img, [cv2.IMWRITE_JPEG_QUALITY, args.quality, cv2.IMWRITE_JPEG_OPTIMIZE, 1]):
            print(f"cannot write {path}", file=sys.stderr)
            return 1
        print(f"wrote {path} ({img.shape[1]}x{img.shape[0]}, {path.stat().st_size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
