"""On the face itself: moustache, beard and clown nose."""

from __future__ import annotations

import numpy as np

from facefilter.tools.art.paint import spline
from facefilter.tools.art.sheet import FilterArt, LayerArt, MeshSheet, Sheet, T, hair, mirror, sticker


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
