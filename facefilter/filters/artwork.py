"""Draws the built-in filters' artwork, manifests and thumbnails into ``assets/filters``.

Run ``python -m facefilter.filters.artwork [--out assets/filters]`` to regenerate them. All art
is drawn here with :mod:`facefilter.filters.paint` (supersampled anti-aliased shapes, gradients,
highlights); nothing is downloaded. Stickers are designed in *template units* (the canonical face
of :data:`geometry.TEMPLATE_68`, inter-ocular distance 1, outer eye corners at (+-0.5, 0)), so
each sticker's ``image_points`` are simply its anchors' template positions in sticker pixels and
the sticker lands on a real face exactly as drawn on the template.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from facefilter.filters import geometry
from facefilter.filters.paint import Canvas, ellipse, spline

T = geometry.TEMPLATE_68
THUMB_SIZE = 128


class Sheet:
    """A canvas covering the template-unit box ``[x0, x1] x [y0, y1]`` at ``k`` pixels per unit."""

    def __init__(self, x0: float, y0: float, x1: float, y1: float, k: float, ss: int = 4) -> None:
        self.x0, self.y0, self.k = x0, y0, k
        self.c = Canvas(round((x1 - x0) * k), round((y1 - y0) * k), ss)

    def p(self, pts: Any) -> np.ndarray:
        """Template units -> sheet pixels."""
        return (np.asarray(pts, np.float64) - (self.x0, self.y0)) * self.k

    def u(self, length: float) -> float:
        """Template length -> pixels."""
        return length * self.k

    def anchor_points(self, anchors: Sequence[int | Sequence[int]]) -> list[list[float]]:
        """The template positions of ``anchors`` in sheet pixels (a manifest's ``image_points``)."""
        pts = [T[list(a) if isinstance(a, Sequence) else [a]].mean(0) for a in anchors]
        return [[round(float(x), 2), round(float(y), 2)] for x, y in self.p(pts)]

    # Shapes in template units -------------------------------------------------------------
    def poly(self, *polys: Any) -> np.ndarray:
        return self.c.poly(*(self.p(p) for p in polys))

    def curve(self, pts: Any, closed: bool = True) -> np.ndarray:
        return spline(self.p(pts), closed=closed)

    def shape(self, pts: Any) -> np.ndarray:
        """Coverage of the closed smooth curve through ``pts``."""
        return self.c.poly(self.curve(pts))

    def oval(self, centre: Any, axes: Any, angle: float = 0.0) -> np.ndarray:
        return self.c.poly(ellipse(self.p(centre), (self.u(axes[0]), self.u(axes[1])), angle))

    def line(self, pts: Any, width: float, smooth: bool = True) -> np.ndarray:
        path = self.curve(pts, closed=False) if smooth else self.p(pts)
        return self.c.stroke(path, self.u(width))

    def linear(self, p0: Any, p1: Any, stops: Any) -> np.ndarray:
        return self.c.linear(self.p(p0), self.p(p1), stops)

    def radial(self, centre: Any, radius: Any, stops: Any) -> np.ndarray:
        r = (self.u(radius[0]), self.u(radius[1])) if isinstance(radius, Sequence) else self.u(radius)
        return self.c.radial(self.p(centre), r, stops)


def mirror(pts: Any) -> np.ndarray:
    """Points mirrored across the face's vertical axis (x -> -x)."""
    return np.asarray(pts, np.float64) * (-1.0, 1.0)


def sample_in(mask: np.ndarray, n: int, rng: np.random.Generator, ss: int) -> np.ndarray:
    """``n`` random output-pixel positions where ``mask`` (supersampled) is mostly covered."""
    ys, xs = np.nonzero(mask > 0.5)
    if len(xs) == 0:
        return np.zeros((0, 2))
    i = rng.integers(0, len(xs), n)
    return (np.stack([xs[i], ys[i]], 1) + 0.5) / ss - 0.5


def hair(
    s: Sheet,
    region: np.ndarray,
    n: int,
    length: float,
    direction: Callable[[np.ndarray], np.ndarray],
    colours: Sequence[tuple[str, float]],
    width: float,
    rng: np.random.Generator,
    curl: float = 0.25,
) -> None:
    """Paint ``n`` short curved hair strokes inside ``region`` (clipped to it), ``length`` in template units.

    ``direction(points_px) -> angles`` (radians) gives the flow at each stroke's root.
    """
    roots = sample_in(region, n, rng, s.c.ss)
    if len(roots) == 0:
        return
    ang = direction(roots) + rng.normal(0, 0.18, len(roots))
    lens = s.u(length) * rng.uniform(0.6, 1.2, len(roots))
    bend = rng.normal(0, curl, len(roots))
    groups: list[list[np.ndarray]] = [[] for _ in colours]
    pick = rng.integers(0, len(colours), len(roots))
    t = np.linspace(0, 1, 6)[:, None]
    for r, a, ln, b, g in zip(roots, ang, lens, bend, pick, strict=True):
        aa = a + b * t[:, 0]
        steps = np.stack([np.cos(aa), np.sin(aa)], 1) * ln / 5
        groups[g].append(r + np.concatenate([[0, 0]], 0) + np.cumsum(np.concatenate([[[0, 0]], steps[:-1]]), 0))
    for (colour, alpha), lines in zip(colours, groups, strict=True):
        if lines:
            s.c.fill(s.c.strokes(lines, s.u(width)) * region, colour, alpha)


# ===================================================================================== stickers


@dataclass
class LayerArt:
    """One drawn layer: its manifest entry and (for image layers) its picture."""

    entry: dict[str, Any]
    image: np.ndarray | None = None


@dataclass
class FilterArt:
    """A built-in filter: manifest fields, layers, and how to frame its thumbnail."""

    name: str
    title: str
    description: str
    order: int
    layers: list[LayerArt]
    thumb_centre_y: float = 0.35  # template y at the thumbnail's centre
    thumb_span: float = 2.5  # template units across the thumbnail
    thumb_mouth_open: float = 0.0
    thumb_arrows: list[tuple[tuple[float, float], tuple[float, float]]] = field(default_factory=list)  # template


def sticker(name: str, placement: str, s: Sheet, anchors: Sequence[int | Sequence[int]], z: int, **kw: Any) -> LayerArt:
    entry = {
        "name": name,
        "placement": placement,
        "image": f"{name}.png",
        "anchors": [list(a) if isinstance(a, Sequence) else a for a in anchors],
        "image_points": s.anchor_points(anchors),
        "z": z,
        **kw,
    }
    return LayerArt(entry, s.c.image())


def draw_sunglasses() -> FilterArt:
    s = Sheet(-0.84, -0.34, 0.84, 0.36, 380)
    lens_r = np.array(
        [[-0.30, -0.16], [-0.05, -0.178], [0.20, -0.16], [0.245, -0.07], [0.20, 0.10], [0.04, 0.185],
         [-0.17, 0.165], [-0.275, 0.06]]
    ) + (-0.36, 0.03)  # fmt: skip
    lenses = [lens_r, mirror(lens_r)[::-1]]
    lens_mask = np.maximum(s.shape(lenses[0]), s.shape(lenses[1]))
    frame = s.c.grow(lens_mask, s.u(0.04))
    bridge = s.line([[-0.14, -0.10], [0.0, -0.125], [0.14, -0.10]], 0.05)
    hinges = np.maximum(
        s.line([[-0.66, -0.11], [-0.82, -0.10]], 0.06, False), s.line([[0.66, -0.11], [0.82, -0.10]], 0.06, False)
    )
    body = np.maximum(np.maximum(frame, bridge), hinges)
    s.c.shadow(body, 0, s.u(0.02), s.u(0.015), 0.35)
    s.c.fill(body, s.linear((0, -0.2), (0, 0.22), [(0, "#3a3a40"), (0.45, "#16161a"), (1, "#050507")]))
    # Glossy highlight along the top of the frame.
    top = body * (1 - s.c.shift(body, 0, s.u(0.018)))
    s.c.fill(s.c.blur(top, 1.0), "#ffffff", 0.35)
    s.c.erase(lens_mask)
    s.c.fill(lens_mask, s.linear((0, -0.16), (0, 0.2), [(0, "#0b1320"), (0.6, "#1d2b3c"), (1, "#3b4d63")]), 0.93)
    for lens, cx in ((lenses[0], -0.36), (lenses[1], 0.36)):
        m = s.shape(lens)
        band = s.poly([[cx - 0.22, 0.12], [cx - 0.02, -0.19], [cx + 0.08, -0.19], [cx - 0.12, 0.12]])
        s.c.fill(s.c.blur(band, 1.5) * m, "#ffffff", 0.16)
        band2 = s.poly([[cx - 0.04, 0.19], [cx + 0.13, -0.05], [cx + 0.16, -0.05], [cx - 0.0, 0.19]])
        s.c.fill(s.c.blur(band2, 1.0) * m, "#ffffff", 0.10)
        s.c.fill(s.c.blur(s.oval((cx + 0.13, -0.1), (0.035, 0.018), -30), 1.5) * m, "#ffffff", 0.5)
    layer = sticker("glasses", "similarity", s, [36, 45], 10)
    return FilterArt("sunglasses", "Sunglasses", "Dark wayfarers on the outer eye corners.", 10, [layer])


def draw_round_glasses() -> FilterArt:
    s = Sheet(-0.84, -0.32, 0.84, 0.32, 380)
    r = 0.215
    centres = [(-0.36, 0.02), (0.36, 0.02)]
    lenses = np.maximum(s.oval(centres[0], (r, r)), s.oval(centres[1], (r, r)))
    rim = s.c.grow(lenses, s.u(0.028)) * (1 - lenses)
    bridge = s.line([[-0.15, -0.01], [-0.07, -0.065], [0.07, -0.065], [0.15, -0.01]], 0.026)
    arms = np.maximum(
        s.line([[-0.6, -0.02], [-0.82, -0.03]], 0.03, False), s.line([[0.6, -0.02], [0.82, -0.03]], 0.03, False)
    )
    metal = np.maximum(np.maximum(rim, bridge), arms)
    s.c.fill(lenses, s.linear((0, -0.2), (0, 0.24), [(0, "#dff1ff"), (1, "#a9cde8")]), 0.16)
    s.c.shadow(metal, 0, s.u(0.015), s.u(0.01), 0.3)
    gold = s.linear(
        (0, -0.24), (0, 0.24), [(0, "#fff0b0"), (0.3, "#e2b75a"), (0.55, "#a87a25"), (0.8, "#e9c46a"), (1, "#8a611c")]
    )
    s.c.fill(metal, gold)
    s.c.fill(s.c.blur(metal * (1 - s.c.shift(metal, 0, s.u(0.01))), 0.8), "#fffbe6", 0.6)
    for cx, cy in centres:
        arc = s.line(
            [[cx - r * 0.8, cy - r * 0.25], [cx - r * 0.55, cy - r * 0.65], [cx - r * 0.15, cy - r * 0.82]], 0.022
        )
        s.c.fill(s.c.blur(arc, 1.2), "#ffffff", 0.55)
        dot = s.oval((cx + r * 0.55, cy + r * 0.5), (0.018, 0.018))
        s.c.fill(s.c.blur(dot, 1.0), "#ffffff", 0.4)
    layer = sticker("glasses", "similarity", s, [36, 45], 10)
    return FilterArt(
        "round_glasses", "Round glasses", "Thin gold frames with clear, lightly tinted lenses.", 20, [layer]
    )


def draw_moustache() -> FilterArt:
    s = Sheet(-0.58, 0.44, 0.58, 0.80, 420)
    rng = np.random.default_rng(3)
    half = [[0.0, 0.600], [0.07, 0.578], [0.16, 0.582], [0.27, 0.612], [0.36, 0.640], [0.43, 0.628], [0.49, 0.585],
            [0.515, 0.535], [0.50, 0.50], [0.475, 0.515], [0.49, 0.55], [0.465, 0.602], [0.41, 0.668],
            [0.32, 0.708], [0.20, 0.728], [0.09, 0.722], [0.0, 0.705]]  # fmt: skip
    right = np.array(half)
    outline = np.concatenate([spline(s.p(mirror(right)), samples=10), spline(s.p(right[::-1]), samples=10)])
    m = s.c.poly(outline)
    s.c.shadow(m, 0, s.u(0.012), s.u(0.01), 0.35)
    s.c.fill(m, s.linear((0, 0.57), (0, 0.73), [(0, "#5b3a22"), (0.5, "#3d2515"), (1, "#24150b")]))
    centre = s.p([0.0, 0.60])

    def flow(p: np.ndarray) -> np.ndarray:
        d = p - centre
        side = np.sign(d[:, 0] + 1e-6)
        return np.where(side > 0, 0.35, np.pi - 0.35) + side * 0.002 * d[:, 1]

    hair(s, m, 2200, 0.07, flow, [("#1c0f07", 0.55), ("#6d4a2e", 0.5), ("#8a6240", 0.35)], 0.0045, rng)
    s.c.fill_inside(
        s.c.blur(s.line([[-0.36, 0.615], [-0.15, 0.585], [0, 0.61], [0.15, 0.585], [0.36, 0.615]], 0.02), 2),
        "#c79a6a",
        0.35,
    )
    layer = sticker("moustache", "affine", s, [31, 35, 51], 10)
    return FilterArt("moustache", "Moustache", "A waxed handlebar between the nose and the upper lip.", 30, [layer],
                     thumb_centre_y=0.55, thumb_span=1.6)  # fmt: skip


def draw_clown_nose() -> FilterArt:
    s = Sheet(-0.3, 0.12, 0.3, 0.72, 420)
    c, r = (0.0, 0.43), 0.19
    ball = s.oval(c, (r, r))
    s.c.shadow(ball, s.u(0.01), s.u(0.035), s.u(0.02), 0.45)
    s.c.fill(
        ball,
        s.radial(
            (c[0] - 0.06, c[1] - 0.07), 0.26, [(0, "#ff8a7a"), (0.35, "#e8281e"), (0.8, "#a30d0d"), (1, "#6e0606")]
        ),
    )
    s.c.fill(s.c.blur(s.oval((c[0] - 0.06, c[1] - 0.08), (0.06, 0.04), -25), 2.5), "#ffffff", 0.85)
    s.c.fill(s.c.blur(s.oval((c[0] + 0.09, c[1] + 0.1), (0.05, 0.02), -40), 2.5), "#ffb3a6", 0.35)
    layer = sticker("nose", "similarity", s, [31, 35], 10)
    return FilterArt("clown_nose", "Clown nose", "A shiny red foam ball on the tip of the nose.", 90, [layer],
                     thumb_centre_y=0.35, thumb_span=1.7)  # fmt: skip


def draw_dog() -> FilterArt:
    rng = np.random.default_rng(7)
    # Floppy ears hanging from the top of the head.
    s = Sheet(-1.25, -1.35, 1.25, 0.25, 300)
    ear = np.array([[-0.26, -1.06], [-0.58, -1.12], [-0.88, -0.98], [-1.06, -0.66], [-1.12, -0.28], [-1.04, 0.04],
                    [-0.90, 0.10], [-0.80, -0.16], [-0.70, -0.50], [-0.52, -0.80], [-0.34, -0.92]])  # fmt: skip
    inner = np.array([[-0.55, -0.98], [-0.80, -0.86], [-0.94, -0.58], [-0.98, -0.24], [-0.92, -0.04], [-0.84, -0.22],
                      [-0.74, -0.55], [-0.60, -0.80]])  # fmt: skip
    ears = np.maximum(s.shape(ear), s.shape(mirror(ear)))
    inners = np.maximum(s.shape(inner), s.shape(mirror(inner)))
    s.c.shadow(ears, s.u(0.01), s.u(0.03), s.u(0.025), 0.35)
    s.c.fill(ears, s.linear((0, -1.1), (0, 0.1), [(0, "#9a6434"), (0.6, "#6e4322"), (1, "#4f2e15")]))
    s.c.fill(s.c.blur(inners, 3), s.linear((0, -1.0), (0, 0.0), [(0, "#5a351a"), (1, "#3b2210")]), 0.85)

    def down(p: np.ndarray) -> np.ndarray:
        return np.full(len(p), np.pi / 2) + 0.35 * np.tanh((p[:, 0] - s.c.width / 2) / 200)

    hair(s, ears, 2600, 0.09, down, [("#3a210e", 0.5), ("#b07a45", 0.45), ("#c8935a", 0.3)], 0.006, rng)
    rim = ears * (1 - s.c.grow(ears, -s.u(0.02)))
    s.c.fill(s.c.blur(rim, 1.5), "#2e1a0b", 0.6)
    ears_layer = sticker("ears", "similarity", s, [0, 16], 5)

    n = Sheet(-0.34, 0.18, 0.34, 0.68, 420)
    nose = n.shape([[0.0, 0.33], [0.17, 0.31], [0.24, 0.37], [0.21, 0.46], [0.10, 0.53], [0.0, 0.56], [-0.10, 0.53],
                    [-0.21, 0.46], [-0.24, 0.37], [-0.17, 0.31]])  # fmt: skip
    n.c.shadow(nose, 0, n.u(0.025), n.u(0.02), 0.4)
    n.c.fill(nose, n.radial((0.0, 0.38), (0.3, 0.22), [(0, "#4a4a52"), (0.6, "#1c1c20"), (1, "#060608")]))
    for side in (-1, 1):
        nostril = n.shape([[0.05 * side, 0.47], [0.1 * side, 0.45], [0.15 * side, 0.455], [0.16 * side, 0.475],
                           [0.12 * side, 0.49], [0.08 * side, 0.49]])  # fmt: skip
        n.c.fill(n.c.blur(nostril, 1.2), "#000000", 0.85)
    n.c.fill(n.c.blur(n.line([[0.0, 0.49], [0.0, 0.545]], 0.012), 1.0), "#000000", 0.7)
    n.c.fill(n.c.blur(n.oval((-0.05, 0.355), (0.09, 0.028), -8), 3), "#ffffff", 0.7)
    n.c.fill(n.c.blur(n.oval((0.1, 0.36), (0.03, 0.014), 10), 2), "#ffffff", 0.45)
    nose_layer = sticker("nose", "similarity", n, [31, 35], 10)

    t = Sheet(-0.3, 0.68, 0.3, 1.36, 380)
    shape = t.shape([[0.0, 0.74], [0.15, 0.73], [0.19, 0.86], [0.2, 1.02], [0.17, 1.16], [0.09, 1.26], [0.0, 1.28],
                     [-0.09, 1.26], [-0.17, 1.16], [-0.2, 1.02], [-0.19, 0.86], [-0.15, 0.73]])  # fmt: skip
    t.c.fill(shape, t.linear((0, 0.74), (0, 1.28), [(0, "#c23b58"), (0.25, "#f0728b"), (1, "#ff9aae")]))
    t.c.fill_inside(t.c.blur(t.line([[0.0, 0.8], [0.005, 0.95], [0.0, 1.08]], 0.02), 4), "#b23350", 0.45)
    t.c.fill_inside(t.c.blur(t.oval((-0.08, 1.08), (0.04, 0.1), 10), 4), "#ffffff", 0.35)
    edge = shape * (1 - t.c.grow(shape, -t.u(0.012)))
    t.c.fill(t.c.blur(edge, 1.0), "#9c2a44", 0.6)
    # Fade the root so the tongue comes out of the mouth instead of starting at a hard edge.
    t.c.px *= np.clip((t.c._coords()[1] - t.u(0.05)) / t.u(0.07), 0, 1)[..., None]
    tongue = sticker(
        "tongue", "similarity", t, [48, 54], 8, when={"measure": "mouth_open", "above": 0.14, "fade": 0.06}
    )
    return FilterArt("dog", "Puppy", "Floppy ears, a wet nose, and a tongue when you open your mouth.", 50,
                     [ears_layer, nose_layer, tongue],
                     thumb_centre_y=0.0, thumb_span=2.9, thumb_mouth_open=0.16)  # fmt: skip


def draw_cat() -> FilterArt:
    rng = np.random.default_rng(11)
    s = Sheet(-1.05, -1.62, 1.05, -0.55, 300)
    ear = np.array([[-0.22, -0.80], [-0.36, -1.08], [-0.58, -1.40], [-0.68, -1.50], [-0.76, -1.42], [-0.88, -1.05],
                    [-0.92, -0.72]])  # fmt: skip
    inner = np.array([[-0.36, -0.86], [-0.50, -1.12], [-0.66, -1.36], [-0.74, -1.22], [-0.80, -0.96], [-0.82, -0.78]])
    ears = np.maximum(s.shape(ear), s.shape(mirror(ear)))
    inners = np.maximum(s.shape(inner), s.shape(mirror(inner)))
    s.c.shadow(ears, 0, s.u(0.02), s.u(0.02), 0.3)
    s.c.fill(ears, s.linear((0, -1.5), (0, -0.7), [(0, "#4d4a52"), (1, "#2b2930")]))
    s.c.fill(s.c.blur(inners, 2), s.linear((0, -1.35), (0, -0.75), [(0, "#f6b8c6"), (1, "#e07f98")]))

    def up(p: np.ndarray) -> np.ndarray:
        return np.full(len(p), -np.pi / 2)

    hair(s, ears * (1 - s.c.grow(inners, s.u(0.01))), 1500, 0.06, up, [("#6e6a75", 0.5), ("#1d1b21", 0.5)], 0.006, rng)
    hair(s, inners, 300, 0.08, up, [("#ffffff", 0.35)], 0.004, rng, curl=0.1)
    ears_layer = sticker("ears", "similarity", s, [0, 16], 5)

    w = Sheet(-1.0, 0.28, 1.0, 0.86, 360)
    nose = w.shape([[0.0, 0.415], [0.09, 0.405], [0.11, 0.43], [0.05, 0.49], [0.0, 0.505], [-0.05, 0.49], [-0.11, 0.43],
                    [-0.09, 0.405]])  # fmt: skip
    mouth = w.line(
        [[-0.11, 0.66], [-0.05, 0.665], [0.0, 0.62], [0.0, 0.5], [0.0, 0.62], [0.05, 0.665], [0.11, 0.66]], 0.014, False
    )
    w.c.fill(w.c.blur(mouth, 0.6), "#3a2a2a", 0.8)
    lines = []
    for side in (-1, 1):
        for k, (y0, y1, bend) in enumerate(((0.57, 0.47, -0.04), (0.60, 0.60, 0.0), (0.63, 0.74, 0.04))):
            x0 = 0.2 * side
            lines.append(
                w.p(
                    spline(
                        [[x0, y0], [(0.2 + 0.35) * side, (y0 + y1) / 2 + bend - 0.02], [(0.92 - 0.04 * k) * side, y1]]
                    )
                )
            )
    dark = w.c.strokes(lines, w.u(0.016))
    w.c.fill(w.c.blur(dark, 0.8), "#2a2a30", 0.55)
    w.c.fill(w.c.strokes(lines, w.u(0.007)), "#fbfbff", 0.95)
    for side in (-1, 1):
        for dx, dy in ((0.13, 0.56), (0.17, 0.6), (0.12, 0.62), (0.16, 0.65)):
            w.c.fill(w.oval((dx * side, dy), (0.011, 0.011)), "#3a2f2f", 0.8)
    w.c.shadow(nose, 0, w.u(0.012), w.u(0.01), 0.35)
    w.c.fill(nose, w.radial((0.0, 0.43), (0.14, 0.1), [(0, "#ffb3c4"), (0.7, "#f07896"), (1, "#c9506f")]))
    w.c.fill(w.c.blur(w.oval((-0.02, 0.425), (0.035, 0.012)), 1.5), "#ffffff", 0.7)
    face_layer = sticker("whiskers", "similarity", w, [31, 35], 10)
    return FilterArt("cat", "Kitty", "Pointed ears, a pink nose and whiskers.", 60, [ears_layer, face_layer],
                     thumb_centre_y=-0.1, thumb_span=3.0)  # fmt: skip


GOLD = [(0, "#fff4c2"), (0.25, "#f2c94c"), (0.5, "#b8860b"), (0.75, "#f0c75e"), (1, "#7a5408")]


def draw_crown() -> FilterArt:
    s = Sheet(-0.75, -1.62, 0.75, -0.66, 380)
    band_top, band_bot = -1.0, -0.80
    band = s.poly(np.concatenate([spline([[-0.6, band_top], [0, band_top + 0.05], [0.6, band_top]]),
                                  spline([[0.6, band_bot], [0, band_bot + 0.06], [-0.6, band_bot]])]))  # fmt: skip
    tips = [(-0.52, -1.38), (-0.27, -1.46), (0.0, -1.56), (0.27, -1.46), (0.52, -1.38)]
    crown_pts = [[-0.6, band_top + 0.02]]
    for i, (x, y) in enumerate(tips):
        crown_pts.append([x, y])
        if i < len(tips) - 1:
            nx = tips[i + 1][0]
            crown_pts.append([(x + nx) / 2, -1.12 + 0.03 * abs(x + nx)])
    crown_pts.append([0.6, band_top + 0.02])
    spikes = s.poly(np.array(crown_pts + [[0.6, band_top + 0.1], [-0.6, band_top + 0.1]]))
    body = np.maximum(band, spikes)
    s.c.shadow(body, 0, s.u(0.02), s.u(0.02), 0.4)
    s.c.fill(body, s.linear((-0.3, -1.55), (0.3, -0.8), GOLD))
    s.c.fill(band, s.linear((0, band_top), (0, band_bot + 0.06), [(0, "#fff1b8"), (0.4, "#e3b23c"), (1, "#8a6010")]))
    edge = body * (1 - s.c.grow(body, -s.u(0.012)))
    s.c.fill(s.c.blur(edge, 0.8), "#6b4a06", 0.8)
    s.c.fill(
        s.c.blur(s.line([[-0.6, band_top + 0.03], [0, band_top + 0.08], [0.6, band_top + 0.03]], 0.012), 1),
        "#fff8dc",
        0.7,
    )
    for x, y in tips:
        p = s.oval((x, y), (0.045, 0.045))
        s.c.fill(p, s.radial((x - 0.015, y - 0.015), 0.06, [(0, "#ffffff"), (0.5, "#f3ecdf"), (1, "#b9ad9a")]))
    for x, colour, r in ((-0.38, "#1e5bd6", 0.045), (0.0, "#d61e3c", 0.065), (0.38, "#1f9e55", 0.045)):
        y = -0.9 + 0.05 * (1 - (x / 0.6) ** 2)
        gem = s.oval((x, y), (r, r * 0.8))
        s.c.fill(s.c.grow(gem, s.u(0.012)), "#8a6010")
        s.c.fill(gem, s.radial((x - r * 0.3, y - r * 0.3), r * 1.4, [(0, "#ffffff"), (0.25, colour), (1, "#10101a")]))
        s.c.fill(s.c.blur(s.oval((x - r * 0.35, y - r * 0.3), (r * 0.25, r * 0.15)), 1), "#ffffff", 0.8)
    for x in (-0.53, -0.19, 0.19, 0.53):
        y = -0.9 + 0.05 * (1 - (x / 0.6) ** 2)
        s.c.fill(
            s.oval((x, y), (0.018, 0.018)), s.radial((x - 0.005, y - 0.005), 0.025, [(0, "#ffffff"), (1, "#c8c0b0")])
        )
    layer = sticker("crown", "similarity", s, [0, 16], 10)
    return FilterArt("crown", "Crown", "A jewelled gold crown on top of the head.", 70, [layer],
                     thumb_centre_y=-0.45, thumb_span=3.0)  # fmt: skip


def draw_party_hat() -> FilterArt:
    rng = np.random.default_rng(5)
    s = Sheet(-0.7, -2.1, 0.85, -0.7, 340)
    tip = np.array([0.28, -1.88])
    base_c, base_w, base_h = np.array([0.04, -0.98]), 0.46, 0.08
    base = ellipse(base_c, (base_w, base_h), -8, 90)
    lower_half = base[(base[:, 1] - base_c[1]) * np.cos(np.radians(8)) >= -0.0]
    cone_pts = np.concatenate([[tip], base[np.argsort(np.arctan2(base[:, 1] - base_c[1], base[:, 0] - base_c[0]))]])
    cone = np.maximum(
        s.poly(np.array([tip, base_c + (-base_w, 0.035), base_c + (base_w, -0.03)])),
        s.oval(base_c, (base_w, base_h), -8),
    )
    del lower_half, cone_pts
    s.c.shadow(cone, 0, s.u(0.02), s.u(0.02), 0.35)
    s.c.fill(cone, s.linear((-0.4, -1.2), (0.5, -1.3), [(0, "#6a2cc9"), (0.5, "#8f4dff"), (1, "#4b1a96")]))
    stripes = s.c.empty()
    axis = tip - base_c
    for k in range(-3, 5):
        a = base_c + axis * (k * 0.2)
        d = np.array([1.0, 0.55])
        stripes = np.maximum(stripes, s.poly(np.array([a - d, a + d, a + d + axis * 0.09, a - d + axis * 0.09])))
    s.c.fill_inside(stripes, s.linear((-0.4, -1.0), (0.5, -1.8), [(0, "#ffcf33"), (1, "#ff8a1f")]))
    for _ in range(18):
        p = base_c + axis * rng.uniform(0.1, 0.85) + np.array([1.0, 0.0]) * rng.uniform(-0.3, 0.3)
        s.c.fill_inside(s.oval(p, (0.022, 0.022)), rng.choice(["#ffffff", "#38d6c4", "#ff5fa2"]), 0.95)
    shade = s.linear(base_c + (-base_w, 0), base_c + (base_w, 0), [(0, "#000000"), (1, "#000000")])
    shade_mask = s.c.blur(s.poly(np.array([tip, base_c + (0.15, 0.0), base_c + (base_w + 0.1, 0.0)])), 6)
    s.c.fill_inside(shade_mask, shade, 0.25)
    s.c.fill_inside(s.c.blur(s.poly(np.array([tip, base_c + (-0.3, 0.0), base_c + (-0.18, 0.0)])), 5), "#ffffff", 0.25)
    # Frilly trim at the base.
    trim = s.c.empty()
    for t in np.linspace(0, 2 * np.pi, 28, endpoint=False):
        p = base_c + np.array([base_w * np.cos(t) * np.cos(np.radians(8)), base_w * np.cos(t) * np.sin(np.radians(-8))])
        p = p + np.array([0, base_h * np.sin(t)])
        if np.sin(t) > -0.3:
            trim = np.maximum(trim, s.oval(p, (0.05, 0.04)))
    s.c.fill(trim, s.radial(base_c + (0, 0.02), (0.5, 0.12), [(0, "#ffffff"), (1, "#f5d7ff")]))
    pom = s.c.empty()
    for ang in np.linspace(0, 2 * np.pi, 40, endpoint=False):
        r = 0.07 + 0.02 * rng.random()
        pom = np.maximum(pom, s.line([tip, tip + r * np.array([np.cos(ang), np.sin(ang)])], 0.03, False))
    s.c.fill(pom, s.radial(tip - (0.02, 0.03), 0.11, [(0, "#ffffff"), (0.6, "#ffd1ec"), (1, "#ff69b4")]))
    layer = sticker("hat", "similarity", s, [0, 16], 10)
    return FilterArt("party_hat", "Party hat", "A striped cone hat with a pompom, tilted just so.", 80, [layer],
                     thumb_centre_y=-0.55, thumb_span=3.2)  # fmt: skip


def draw_masquerade() -> FilterArt:
    rng = np.random.default_rng(13)
    s = Sheet(-0.95, -1.25, 1.25, 0.36, 340)
    half = np.array([[0.0, -0.21], [-0.12, -0.30], [-0.32, -0.36], [-0.55, -0.40], [-0.76, -0.47], [-0.86, -0.36],
                     [-0.84, -0.14], [-0.76, 0.06], [-0.6, 0.2], [-0.4, 0.25], [-0.22, 0.2], [-0.1, 0.09],
                     [0.0, 0.06]])  # fmt: skip
    outline = np.concatenate([spline(s.p(half), samples=12), spline(s.p(mirror(half)[::-1]), samples=12)])
    mask = s.c.poly(outline)
    holes = s.c.empty()
    for side in (-1, 1):
        eye = np.array([[-0.55, -0.03], [-0.46, -0.09], [-0.34, -0.11], [-0.22, -0.07], [-0.17, 0.01], [-0.25, 0.06],
                        [-0.37, 0.075], [-0.48, 0.04]]) * (-side, 1)  # fmt: skip
        holes = np.maximum(holes, s.shape(eye))
    # Feathers rising from the right temple (image right), drawn first so the mask sits on them.
    for k, (ang, length, colour) in enumerate(((-62, 0.95, "#2bb3a3"), (-48, 1.0, "#8e44ad"), (-35, 0.85, "#e0457b"))):
        a = np.radians(ang)
        base = np.array([0.62 + 0.05 * k, -0.2])
        d = np.array([np.cos(a), np.sin(a)])
        nrm = np.array([-d[1], d[0]])
        spine = [base, base + d * length * 0.5 + nrm * 0.04, base + d * length]
        vane = [base + d * 0.1]
        for t in np.linspace(0.15, 1.0, 9):
            w = 0.12 * np.sin(np.pi * min(t, 0.97)) ** 0.7
            vane.append(base + d * length * t + nrm * w)
        for t in np.linspace(1.0, 0.15, 9):
            w = 0.12 * np.sin(np.pi * min(t, 0.97)) ** 0.7
            vane.append(base + d * length * t - nrm * w)
        fm = s.shape(np.array(vane))
        s.c.shadow(fm, s.u(0.01), s.u(0.02), s.u(0.02), 0.25)
        s.c.fill(fm, s.linear(base, base + d * length, [(0, colour), (1, "#ffffff")]), 0.95)
        barbs = []
        for t in np.linspace(0.2, 0.98, 26):
            p0 = base + d * length * t
            for sgn in (-1, 1):
                barbs.append(s.p([p0, p0 + nrm * sgn * 0.13 + d * 0.06]))
        s.c.fill(s.c.strokes(barbs, s.u(0.006)) * fm, "#1a1030", 0.25)
        s.c.fill(s.line(spine, 0.012), "#f7f1e3", 0.9)
    s.c.shadow(mask * (1 - holes), 0, s.u(0.02), s.u(0.02), 0.4)
    s.c.fill(mask, s.linear((0, -0.36), (0, 0.22), [(0, "#5b1a7a"), (0.5, "#3a0f52"), (1, "#1f0630")]))
    # Gold filigree swirls.
    swirls = []
    for side in (-1, 1):
        for cx, cy, r in ((-0.66, -0.3, 0.06), (-0.42, -0.24, 0.05), (-0.2, -0.2, 0.04), (-0.5, 0.17, 0.045)):
            t = np.linspace(0, 4.2, 40)
            rr = r * (1 - t / 5.5)
            swirls.append(s.p(np.stack([cx + rr * np.cos(t), cy + rr * np.sin(t)], 1) * (-side, 1)))
    s.c.fill(s.c.strokes(swirls, s.u(0.012)) * mask, s.linear((0, -0.3), (0, 0.2), GOLD), 0.9)
    glitter = sample_in(mask * (1 - s.c.grow(holes, s.u(0.03))), 140, rng, s.c.ss)
    s.c.fill(s.c.dots(glitter, rng.uniform(0.6, 1.6, len(glitter)), rng.uniform(0.3, 0.8, len(glitter))), "#fff4c8")
    s.c.erase(holes)
    trim = np.maximum(mask * (1 - s.c.grow(mask, -s.u(0.025))), s.c.grow(holes, s.u(0.025)) * (1 - holes) * mask)
    s.c.fill(trim, s.linear((0, -0.36), (0, 0.22), GOLD))
    s.c.fill(s.c.blur(trim * (1 - s.c.shift(trim, 0, s.u(0.008))), 0.8), "#fffbe0", 0.5)
    for side in (-1, 1):
        for x, y in ((-0.08, -0.05), (-0.78, -0.08), (-0.3, 0.16)):
            gx, gy = x * -side, y
            s.c.fill(
                s.oval((gx, gy), (0.028, 0.028)),
                s.radial((gx - 0.01, gy - 0.01), 0.04, [(0, "#ffffff"), (0.4, "#c9f2ff"), (1, "#4aa3c8")]),
            )
    layer = sticker("mask", "perspective", s, [17, 26, 15, 1], 10)
    return FilterArt("masquerade", "Masquerade", "A velvet and gold Venetian mask with feathers.", 100, [layer],
                     thumb_centre_y=-0.25, thumb_span=2.7)  # fmt: skip


TEX = 1024  # mesh texture side


class MeshSheet(Sheet):
    """A square mesh texture, drawn in template units (see :func:`geometry.template_to_texture`)."""

    def __init__(self, size: int = TEX, ss: int = 2) -> None:
        m = geometry.template_to_texture(size)
        k = m[0, 0]
        super().__init__(-m[0, 2] / k - 0.5 / k, -m[1, 2] / k - 0.5 / k, 0, 0, k, ss)
        self.c = Canvas(size, size, ss)


def draw_face_paint() -> FilterArt:
    rng = np.random.default_rng(17)
    s = MeshSheet()
    eye_holes = s.c.empty()
    for eye in (T[36:42], T[42:48]):
        c = eye.mean(0)
        eye_holes = np.maximum(eye_holes, s.shape(c + (eye - c) * (1.45, 2.1)))
    eye_holes = s.c.blur(eye_holes, 2)
    wings = s.c.empty()
    upper = np.array([[-0.05, -0.06], [-0.16, -0.32], [-0.34, -0.58], [-0.6, -0.72], [-0.82, -0.62], [-0.86, -0.36],
                      [-0.78, -0.08], [-0.66, 0.06], [-0.48, 0.06], [-0.25, 0.04], [-0.1, 0.02]])  # fmt: skip
    lower = np.array([[-0.06, 0.06], [-0.2, 0.14], [-0.44, 0.18], [-0.62, 0.26], [-0.66, 0.42], [-0.56, 0.56],
                      [-0.38, 0.56], [-0.24, 0.44], [-0.12, 0.26]])  # fmt: skip
    for pts in (upper, lower):
        for side in (1, -1):
            wings = np.maximum(wings, s.shape(pts * (side, 1)))
    up_m = np.maximum(s.shape(upper), s.shape(mirror(upper)))
    lo_m = np.maximum(s.shape(lower), s.shape(mirror(lower)))
    s.c.fill(
        up_m, s.radial((0, -0.05), (0.95, 0.8), [(0, "#2b3bd6"), (0.45, "#7b3fe4"), (0.8, "#e04fb3"), (1, "#ff9ad5")])
    )
    s.c.fill(lo_m, s.radial((0, 0.1), (0.7, 0.55), [(0, "#7b3fe4"), (0.5, "#ff5fa2"), (1, "#ffb36b")]))
    # Wing veins, spots and outline.
    veins = []
    for side in (1, -1):
        for end in ((-0.45, -0.62), (-0.72, -0.55), (-0.8, -0.2), (-0.55, 0.02)):
            veins.append(s.p(spline([[-0.06, -0.04], [(end[0] - 0.06) / 2, end[1] / 2 - 0.04], end]) * (side, 1)))
        for end in ((-0.55, 0.3), (-0.5, 0.5), (-0.3, 0.48)):
            veins.append(s.p(spline([[-0.08, 0.1], [(end[0] - 0.08) / 2, (end[1] + 0.1) / 2 + 0.03], end]) * (side, 1)))
    s.c.fill(s.c.strokes(veins, s.u(0.012)) * wings, "#1b0f3a", 0.55)
    edge = wings * (1 - s.c.grow(wings, -s.u(0.02)))
    s.c.fill(edge, "#1b0f3a", 0.85)
    for side in (1, -1):
        for (x, y), r in (
            ((-0.7, -0.5), 0.05),
            ((-0.52, -0.6), 0.035),
            ((-0.8, -0.3), 0.03),
            ((-0.5, 0.42), 0.04),
            ((-0.6, 0.3), 0.025),
        ):
            s.c.fill(s.oval((x * side, y), (r, r)), "#ffffff", 0.9)
    for colour in ("#ffffff", "#fff2a8", "#c8f7ff"):
        glitter = sample_in(wings, 240, rng, s.c.ss)
        s.c.fill(s.c.dots(glitter, rng.uniform(0.8, 2.2, len(glitter)), rng.uniform(0.35, 0.9, len(glitter))), colour)
    body = s.oval((0, -0.08), (0.035, 0.3))
    s.c.fill(body, s.linear((0, -0.4), (0, 0.25), [(0, "#2a1740"), (1, "#120a20")]))
    for side in (1, -1):
        ant = s.line([[0, -0.36], [0.06 * side, -0.55], [0.16 * side, -0.7], [0.24 * side, -0.74]], 0.012)
        s.c.fill(ant, "#120a20")
        s.c.fill(s.oval((0.25 * side, -0.745), (0.03, 0.03)), "#ff5fa2")
    s.c.erase(eye_holes)
    # Fade out at the mesh border so nothing shows past the face.
    layer_img = s.c.image()
    entry = {"name": "paint", "placement": "mesh", "image": "paint.png", "opacity": 0.88, "z": 5}
    return FilterArt("face_paint", "Butterfly paint", "Face paint that bends with the face (mesh warp).", 110,
                     [LayerArt(entry, layer_img)], thumb_centre_y=0.0, thumb_span=2.4)  # fmt: skip


def draw_beard() -> FilterArt:
    rng = np.random.default_rng(19)
    s = MeshSheet()
    jaw = T[:17]
    centre = np.array([0.0, 0.35])
    outer = centre + (jaw - centre) * np.linspace(1.02, 1.02, 17)[:, None]
    outer[4:13] = centre + (jaw[4:13] - centre) * (1.0 + 0.18 * np.sin(np.linspace(0, np.pi, 9)))[:, None]
    cheek = [[0.78, 0.08], [0.7, 0.3], [0.56, 0.46], [0.42, 0.56], [0.26, 0.58], [0.14, 0.585], [0.0, 0.6],
             [-0.14, 0.585],
             [-0.26, 0.58], [-0.42, 0.56], [-0.56, 0.46], [-0.7, 0.3], [-0.78, 0.08]]  # fmt: skip
    region = s.poly(np.concatenate([outer, cheek]))
    lips = s.c.grow(s.shape(T[48:60]), s.u(0.02))
    region = region * (1 - lips)
    soft = s.c.blur(region, 6) * region
    s.c.fill(soft, s.radial((0, 0.95), (0.75, 0.6), [(0, "#4a3020"), (0.7, "#34200f"), (1, "#22140a")]), 0.9)
    jaw_c = s.p(centre)

    def flow(p: np.ndarray) -> np.ndarray:  # downwards, fanning out towards the sides
        return np.pi / 2 - 0.7 * np.tanh((p[:, 0] - jaw_c[0]) / s.u(0.45))

    wispy = s.c.blur(s.c.grow(region, s.u(0.012)), 2) * (1 - lips)  # strokes may cross the outline a little
    colours = [("#140a04", 0.6), ("#3a2414", 0.55), ("#5a3a22", 0.45), ("#7b5233", 0.3), ("#9a6c45", 0.15)]
    hair(s, wispy, 12000, 0.08, flow, colours, 0.006, rng, 0.3)
    s.c.fill_inside(s.c.blur(s.oval((0, 0.99), (0.12, 0.06)), 8), "#140a04", 0.35)  # shade under the lip
    entry = {"name": "beard", "placement": "mesh", "image": "beard.png", "z": 5}
    return FilterArt("beard", "Beard", "A full beard and moustache that follow the jaw (mesh warp).", 40,
                     [LayerArt(entry, s.c.image())], thumb_centre_y=0.55, thumb_span=2.3)  # fmt: skip


def draw_big_eyes() -> FilterArt:
    entry = {"name": "eyes", "placement": "warp", "effect": "big_eyes", "strength": 0.6, "radius": 0.36}
    return FilterArt("big_eyes", "Big eyes", "Magnifies the eyes (pixel warp).", 120, [LayerArt(entry)],
                     thumb_centre_y=0.02, thumb_span=1.45)  # fmt: skip


def draw_slim_face() -> FilterArt:
    entry = {"name": "jaw", "placement": "warp", "effect": "slim_face", "strength": 0.8, "radius": 0.3}
    return FilterArt("slim_face", "Slim face", "Pulls the jaw and cheeks in (pixel warp).", 130, [LayerArt(entry)],
                     thumb_centre_y=0.35, thumb_span=2.6,
                     thumb_arrows=[((-1.15, 0.75), (-0.72, 0.75)), ((1.15, 0.75), (0.72, 0.75))])  # fmt: skip


# ===================================================================================== output


def cartoon_face(size: int, centre_y: float, span: float, mouth_open: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """A drawn head on a soft background: (BGR ``size`` x ``size`` uint8, its (68, 2) landmarks)."""
    lm_t = geometry.template_face((0.0, 0.0), 1.0, 0.0, mouth_open)
    k = size / span
    s = Sheet(-span / 2, centre_y - span / 2, span / 2, centre_y + span / 2, k, ss=2)
    c = s.c
    c.fill(c.poly(np.array([[0, 0], [size, 0], [size, size], [0, size]], float)),
           s.linear((0, centre_y - span / 2), (0, centre_y + span / 2), [(0, "#cfe3f2"), (1, "#8fb3d1")]))  # fmt: skip
    jaw = lm_t[:17]
    head = np.concatenate([jaw, ellipse((0, 0.02), (0.80, 1.18), 0, 60)[59:30:-1]])
    neck = s.poly([[-0.38, 0.9], [0.38, 0.9], [0.42, 2.0], [-0.42, 2.0]])
    c.fill(neck, "#d9a383")
    c.fill(s.shape(head), s.radial((0.0, 0.1), (1.0, 1.3), [(0, "#f6cfb2"), (0.8, "#e9b493"), (1, "#d99c7a")]))
    for side in (-1, 1):
        c.fill(s.oval((0.8 * side, 0.22), (0.09, 0.17)), "#e3a887")
    cap = ellipse((0, -0.08), (0.9, 1.2), 0, 72)[36:]  # the top half, from the left side to the right
    hairline = [[0.84, 0.02], [0.76, -0.32], [0.48, -0.55], [0.1, -0.6], [-0.35, -0.56], [-0.7, -0.38], [-0.84, 0.02]]
    c.fill(
        s.poly(np.concatenate([cap, spline(hairline)])),
        s.linear((0, -1.3), (0, -0.2), [(0, "#6b4429"), (1, "#3a2416")]),
    )
    for eye in (lm_t[36:42], lm_t[42:48]):
        c.fill(s.shape(eye), "#ffffff")
        ctr = eye.mean(0)
        c.fill(s.oval(ctr, (0.062, 0.062)) * s.shape(eye), "#5b7fa6")
        c.fill(s.oval(ctr, (0.03, 0.03)) * s.shape(eye), "#151515")
        c.fill(s.line(eye[[0, 1, 2, 3]], 0.018), "#4a3020")
    for brow in (lm_t[17:22], lm_t[22:27]):
        c.fill(s.line(brow, 0.045), "#4a3020")
    c.fill(s.line(lm_t[[31, 32, 33, 34, 35]], 0.02), "#c4856a")
    c.fill(s.line(lm_t[[27, 28, 29, 30]], 0.015), "#dca083", 0.6)
    c.fill(s.shape(lm_t[48:60]), "#c8595a")
    if mouth_open > 0:
        c.fill(s.shape(lm_t[60:68]), "#5a1a22")
    else:
        c.fill(s.line(lm_t[[60, 61, 62, 63, 64]], 0.012), "#8a3038")
    img = c.image()
    return np.ascontiguousarray(img[..., :3]), (s.p(lm_t)).astype(np.float32)


def _compact_json(data: Any) -> str:
    """Indented JSON with lists of numbers (and lists of such lists) kept on one line."""
    text = json.dumps(data, indent=2)
    flat = re.compile(r"\[\s+([-\d.,\s]+?)\s+\]")
    text = flat.sub(lambda m: "[" + re.sub(r"\s+", " ", m.group(1)) + "]", text)
    item = r"(?:-?[\d.]+|\[[-\d., ]*\])"
    nested = re.compile(rf"\[\s+({item}(?:,\s+{item})*)\s+\]")
    text = nested.sub(lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text)
    return text + "\n"


def write_filter(art: FilterArt, out_dir: Path) -> Path:
    """Write ``art``'s images and manifest, then render its thumbnail with the real engine."""
    from facefilter.filters.engine import Filter  # the engine reads back what we wrote

    folder = out_dir / art.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    layers = []
    for layer in art.layers:
        if layer.image is not None:
            cv2.imwrite(str(folder / layer.entry["image"]), layer.image, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        layers.append(layer.entry)
    manifest = {"format": 1, "title": art.title, "description": art.description, "author": "facefilter (generated)",
                "order": art.order, "thumbnail": "thumbnail.png", "layers": layers}  # fmt: skip
    (folder / "manifest.json").write_text(_compact_json(manifest), encoding="utf-8")
    big = THUMB_SIZE * 3
    face, lm = cartoon_face(big, art.thumb_centre_y, art.thumb_span, art.thumb_mouth_open)
    cv2.imwrite(str(folder / "thumbnail.png"), face)  # placeholder so the manifest validates
    rendered = Filter.load(folder).render(face, [lm])
    k = big / art.thumb_span  # template units -> thumbnail pixels (before the final downscale)
    for start, end in art.thumb_arrows:  # hints for effects that are subtle at icon size
        corner = np.array([-art.thumb_span / 2, art.thumb_centre_y - art.thumb_span / 2])
        p0, p1 = ((np.array(q) - corner) * k for q in (start, end))
        for colour, width in (((60, 40, 30), 11), ((255, 255, 255), 5)):
            cv2.arrowedLine(rendered, tuple(np.round(p0 * 16).astype(int)), tuple(np.round(p1 * 16).astype(int)),
                            colour, width, cv2.LINE_AA, shift=4, tipLength=0.45)  # fmt: skip
    thumb = cv2.resize(rendered, (THUMB_SIZE, THUMB_SIZE), interpolation=cv2.INTER_AREA)
    cv2.imwrite(str(folder / "thumbnail.png"), thumb, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return folder


DRAWINGS: list[Callable[[], FilterArt]] = [
    draw_sunglasses,
    draw_round_glasses,
    draw_moustache,
    draw_beard,
    draw_dog,
    draw_cat,
    draw_crown,
    draw_party_hat,
    draw_clown_nose,
    draw_masquerade,
    draw_face_paint,
    draw_big_eyes,
    draw_slim_face,
]


def default_out() -> Path:
    return Path(__file__).resolve().parents[2] / "assets" / "filters"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m facefilter.filters.artwork", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=default_out(), help="folder for the filter folders (assets/filters)")
    ap.add_argument("--only", nargs="*", help="draw only these filters")
    args = ap.parse_args(argv)
    for draw in DRAWINGS:
        name = draw.__name__.removeprefix("draw_")
        if args.only and name not in args.only:
            continue
        folder = write_filter(draw(), args.out)
        print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
