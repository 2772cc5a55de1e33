"""The cartoon head every filter's thumbnail is rendered on."""

from __future__ import annotations

import numpy as np

from facefilter.filters import geometry
from facefilter.tools.art.paint import ellipse, spline
from facefilter.tools.art.sheet import Sheet


def cartoon_face(
    size: int, centre_y: float, span: float, mouth_open: float = 0.0, smile: float = 0.0, wink: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """A drawn head on a soft background: (BGR ``size`` x ``size`` uint8, its (68, 2) landmarks).

    ``smile`` (template units) pulls the mouth corners out and up; ``wink`` closes the right eye
    (points 36..41, image left): for the thumbnails of lenses that react to them.
    """
    lm_t = geometry.template_face((0.0, 0.0), 1.0, 0.0, mouth_open)
    if smile:
        for corner, side in ((48, -1), (54, 1), (60, -1), (64, 1)):
            lm_t[corner] += (side * smile, -0.8 * smile)
        for near, side in ((49, -1), (53, 1), (59, -1), (55, 1), (61, -1), (63, 1), (67, -1), (65, 1)):
            lm_t[near] += (side * 0.5 * smile, -0.35 * smile)
    if wink:
        lm_t[[37, 38]] = lm_t[[41, 40]] + (0.0, -0.004)
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
    if wink:
        c.fill(s.line(lm_t[[36, 41, 40, 39]] + (0.0, 0.01), 0.022), "#4a3020")
    for eye in (lm_t[42:48],) if wink else (lm_t[36:42], lm_t[42:48]):
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
