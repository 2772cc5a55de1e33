"""Drawing in template units: the sheet a sticker is drawn on, and what a filter's art is made of.

Stickers are designed in *template units* (the canonical face of :data:`geometry.TEMPLATE_68`,
inter-ocular distance 1, outer eye corners at (+-0.5, 0)), so each sticker's ``image_points``
are simply its anchors' template positions in sticker pixels and the sticker lands on a real
face exactly as drawn on the template."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from facefilter.filters import geometry
from facefilter.tools.art.paint import Canvas, ellipse, spline

T = geometry.TEMPLATE_68
THUMB_SIZE = 128
# A metallic gold gradient (crown, masquerade trim).
GOLD = [(0, "#fff4c2"), (0.25, "#f2c94c"), (0.5, "#b8860b"), (0.75, "#f0c75e"), (1, "#7a5408")]


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






@dataclass
class LayerArt:
    """One drawn layer: its manifest entry and (for image layers) its picture."""

    entry: dict[str, Any]
    image: np.ndarray | list[np.ndarray] | None = None  # a list: the frames of an animated PNG
    fps: float = 24.0  # of an animated PNG
    files: dict[str, str] = field(default_factory=dict)  # more files to write: name -> text (a swap's landmarks)
    images: dict[str, np.ndarray] = field(default_factory=dict)  # more pictures: name -> BGRA (a head layer's planes)


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
    thumb_smile: float = 0.0  # see thumbnail.cartoon_face
    thumb_wink: bool = False
    thumb_arrows: list[tuple[tuple[float, float], tuple[float, float]]] = field(default_factory=list)  # template
    thumbnail: np.ndarray | None = None  # a finished BGR thumbnail instead of the engine's render on the cartoon face


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


TEX = 1024  # mesh texture side


class MeshSheet(Sheet):
    """A square mesh texture, drawn in template units (see :func:`geometry.template_to_texture`)."""

    def __init__(self, size: int = TEX, ss: int = 2) -> None:
        m = geometry.template_to_texture(size)
        k = m[0, 0]
        super().__init__(-m[0, 2] / k - 0.5 / k, -m[1, 2] / k - 0.5 / k, 0, 0, k, ss)
        self.c = Canvas(size, size, ss)
