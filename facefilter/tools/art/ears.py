"""Animal ears in head space: the puppy's floppy ears and the kitty's pointed ears.

Each is one ear drawn on its own sheet (template units, as the 2-D stickers were) and placed as a
plane with ``mirror`` for the other side. The roots sit inside the head's occluder, so each ear
grows out of the head, and the far ear goes behind the head when it turns.
"""

from __future__ import annotations

import numpy as np

from facefilter.tools.art.sheet import LayerArt, Sheet, hair
from facefilter.tools.art.space import head_layer, plane_at


def dog_ears() -> LayerArt:
    """Floppy ears hanging from the top of the head down its sides (the left ear, mirrored)."""
    rng = np.random.default_rng(7)
    s = Sheet(-1.2, -1.2, -0.18, 0.2, 300)
    ear = np.array([[-0.26, -1.06], [-0.58, -1.12], [-0.88, -0.98], [-1.06, -0.66], [-1.12, -0.28], [-1.04, 0.04],
                    [-0.90, 0.10], [-0.80, -0.16], [-0.70, -0.50], [-0.52, -0.80], [-0.34, -0.92]])  # fmt: skip
    inner = np.array([[-0.55, -0.98], [-0.80, -0.86], [-0.94, -0.58], [-0.98, -0.24], [-0.92, -0.04], [-0.84, -0.22],
                      [-0.74, -0.55], [-0.60, -0.80]])  # fmt: skip
    ears = s.shape(ear)
    inners = s.shape(inner)
    s.c.fill(ears, s.linear((0, -1.1), (0, 0.1), [(0, "#9a6434"), (0.6, "#6e4322"), (1, "#4f2e15")]))
    s.c.fill(s.c.blur(inners, 3), s.linear((0, -1.0), (0, 0.0), [(0, "#5a351a"), (1, "#3b2210")]), 0.85)

    def down(p: np.ndarray) -> np.ndarray:
        return np.full(len(p), np.pi / 2) - 0.3

    hair(s, ears, 1300, 0.09, down, [("#3a210e", 0.5), ("#b07a45", 0.45), ("#c8935a", 0.3)], 0.006, rng)
    rim = ears * (1 - s.c.grow(ears, -s.u(0.02)))
    s.c.fill(s.c.blur(rim, 1.5), "#2e1a0b", 0.6)
    # The root (template (-0.4, -1.0)) on the top of the head, the ear turned out to hang along its side.
    left = plane_at(s, "ear.png", (-0.4, -1.0), (-58.0, -90.0, 24.0), (-40.0, -10.0, -22.0), 1.25, mirror=True)
    return head_layer("ears", 5, [left], {"ear.png": s.c.image()})


def cat_ears() -> LayerArt:
    """Pointed ears standing on the top of the head (the left ear, mirrored)."""
    rng = np.random.default_rng(11)
    s = Sheet(-1.0, -1.58, -0.14, -0.62, 300)
    ear = np.array([[-0.22, -0.80], [-0.36, -1.08], [-0.58, -1.40], [-0.68, -1.50], [-0.76, -1.42], [-0.88, -1.05],
                    [-0.92, -0.72]])  # fmt: skip
    inner = np.array([[-0.36, -0.86], [-0.50, -1.12], [-0.66, -1.36], [-0.74, -1.22], [-0.80, -0.96], [-0.82, -0.78]])
    ears = s.shape(ear)
    inners = s.shape(inner)
    s.c.fill(ears, s.linear((0, -1.5), (0, -0.7), [(0, "#4d4a52"), (1, "#2b2930")]))
    s.c.fill(s.c.blur(inners, 2), s.linear((0, -1.35), (0, -0.75), [(0, "#f6b8c6"), (1, "#e07f98")]))

    def up(p: np.ndarray) -> np.ndarray:
        return np.full(len(p), -np.pi / 2)

    hair(s, ears * (1 - s.c.grow(inners, s.u(0.01))), 750, 0.06, up, [("#6e6a75", 0.5), ("#1d1b21", 0.5)], 0.006, rng)
    hair(s, inners, 150, 0.08, up, [("#ffffff", 0.35)], 0.004, rng, curl=0.1)
    # The middle of the base (template (-0.57, -0.76)) a little inside the top of the head.
    left = plane_at(s, "ear.png", (-0.57, -0.76), (-40.0, -92.0, 36.0), (-14.0, -18.0, -10.0), mirror=True)
    return head_layer("ears", 5, [left], {"ear.png": s.c.image()})
