"""Animal faces: the puppy and the kitty."""

from __future__ import annotations

import numpy as np

from facefilter.tools.art.ears import cat_ears, dog_ears
from facefilter.tools.art.paint import spline
from facefilter.tools.art.sheet import FilterArt, LayerArt, Sheet, sticker


def draw_dog() -> FilterArt:
    ears_layer = dog_ears()  # head space: see facefilter.tools.art.ears

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

    outline = np.array([[0.0, 0.74], [0.15, 0.73], [0.19, 0.86], [0.2, 1.02], [0.17, 1.16], [0.09, 1.26], [0.0, 1.28],
                        [-0.09, 1.26], [-0.17, 1.16], [-0.2, 1.02], [-0.19, 0.86], [-0.15, 0.73]])  # fmt: skip

    def tongue_frame(length: float, sway: float) -> Sheet:
        """The tongue out to ``length`` of its full length (narrower while short), its tip swung
        ``sway`` template units sideways."""
        t = Sheet(-0.3, 0.68, 0.3, 1.36, 380)
        root = 0.74
        k = np.clip((outline[:, 1] - root) / (1.28 - root), 0, 1)
        pts = np.stack([outline[:, 0] * (0.7 + 0.3 * min(length, 1.0)) + sway * k**2,
                        root + (outline[:, 1] - root) * length], 1)  # fmt: skip
        tip = root + 0.54 * length
        shape = t.shape(pts)
        t.c.fill(shape, t.linear((0, root), (0, tip), [(0, "#c23b58"), (0.25, "#f0728b"), (1, "#ff9aae")]))
        groove = [[0.0, root + 0.06], [0.005 + 0.3 * sway, root + 0.21 * length], [0.6 * sway, root + 0.34 * length]]
        t.c.fill_inside(t.c.blur(t.line(groove, 0.02), 4), "#b23350", 0.45)
        t.c.fill_inside(t.c.blur(t.oval((-0.08 + 0.5 * sway, root + 0.34 * length), (0.04, 0.1 * length), 10), 4),
                        "#ffffff", 0.35)  # fmt: skip
        edge = shape * (1 - t.c.grow(shape, -t.u(0.012)))
        t.c.fill(t.c.blur(edge, 1.0), "#9c2a44", 0.6)
        # Fade the root so the tongue comes out of the mouth instead of starting at a hard edge.
        t.c.px *= np.clip((t.c._coords()[1] - t.u(0.05)) / t.u(0.07), 0, 1)[..., None]
        return t

    # It slides out when the mouth opens (easing out, then a little wag) and back in when it closes
    # (the same frames backwards, so the length only ever grows on the way out).
    motion = [(0.12, 0.0), (0.32, 0.0), (0.52, 0.01), (0.69, 0.02), (0.82, 0.03), (0.91, 0.035), (0.97, 0.03),
              (1.0, 0.01), (1.0, -0.02), (1.0, -0.03), (1.0, -0.012), (1.0, 0.0)]  # fmt: skip
    frames = [tongue_frame(length, sway) for length, sway in motion]
    tongue = LayerArt({"name": "tongue", "placement": "similarity", "image": "tongue.png", "anchors": [48, 54],
                       "image_points": frames[0].anchor_points([48, 54]), "z": 8,
                       "animation": {"fps": 30, "loop": "once", "fade": 0.05, "play": "while",
                                     "trigger": {"event": "mouth_open", "on": 0.14, "off": 0.09}}},
                      [f.c.image() for f in frames], 30)  # fmt: skip
    return FilterArt("dog", "Puppy", "Floppy ears, a wet nose, and a tongue when you open your mouth.", 50,
                     [ears_layer, nose_layer, tongue],
                     thumb_centre_y=0.0, thumb_span=2.9, thumb_mouth_open=0.16)  # fmt: skip


def draw_cat() -> FilterArt:
    ears_layer = cat_ears()  # head space: see facefilter.tools.art.ears

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
