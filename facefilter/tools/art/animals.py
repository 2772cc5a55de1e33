"""Animal faces: the puppy and the kitty."""

from __future__ import annotations

import numpy as np

from facefilter.tools.art.paint import spline
from facefilter.tools.art.sheet import FilterArt, Sheet, hair, mirror, sticker


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
