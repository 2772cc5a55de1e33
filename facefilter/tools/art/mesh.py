"""Mesh and warp filters: the butterfly face paint (a texture over the face mesh), big eyes, slim face."""

from __future__ import annotations

import numpy as np

from facefilter.tools.art.paint import spline
from facefilter.tools.art.sheet import FilterArt, LayerArt, MeshSheet, T, mirror, sample_in


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




def draw_big_eyes() -> FilterArt:
    entry = {"name": "eyes", "placement": "warp", "effect": "big_eyes", "strength": 0.6, "radius": 0.36}
    return FilterArt("big_eyes", "Big eyes", "Magnifies the eyes (pixel warp).", 120, [LayerArt(entry)],
                     thumb_centre_y=0.02, thumb_span=1.45)  # fmt: skip


def draw_slim_face() -> FilterArt:
    entry = {"name": "jaw", "placement": "warp", "effect": "slim_face", "strength": 0.8, "radius": 0.3}
    return FilterArt("slim_face", "Slim face", "Pulls the jaw and cheeks in (pixel warp).", 130, [LayerArt(entry)],
                     thumb_centre_y=0.35, thumb_span=2.6,
                     thumb_arrows=[((-1.15, 0.75), (-0.72, 0.75)), ((1.15, 0.75), (0.72, 0.75))])  # fmt: skip
