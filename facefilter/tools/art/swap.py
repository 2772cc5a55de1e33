"""The ``face_swap`` filter: its manifest (one ``swap`` layer taking the next face in the frame) and its icon."""

from __future__ import annotations

import cv2
import numpy as np

from facefilter.tools.art.paint import Canvas, spline
from facefilter.tools.art.sheet import THUMB_SIZE, FilterArt, LayerArt
from facefilter.tools.art.thumbnail import cartoon_face


def _recolour(face: np.ndarray) -> np.ndarray:
    """A second cartoon person: darker skin and black hair (a BGR remap of the first)."""
    lab = cv2.cvtColor(face, cv2.COLOR_BGR2Lab).astype(np.float32)
    lab[..., 0] = np.clip(lab[..., 0] * 0.78, 0, 255)
    lab[..., 1] = np.clip(128 + (lab[..., 1] - 128) * 0.9, 0, 255)
    return cv2.cvtColor(lab.astype(np.uint8), cv2.COLOR_Lab2BGR)


def swap_icon(size: int = THUMB_SIZE * 3) -> np.ndarray:
    """Two cartoon people under a pair of arrows that trade places, BGR ``size`` x ``size``."""
    span, centre_y = 4.6, 0.85
    half = size // 2
    a = cartoon_face(size, centre_y, span)[0][:, size // 4 : size // 4 + half]
    b = _recolour(cartoon_face(size, centre_y, span, smile=0.06)[0])[:, size // 4 : size // 4 + half]
    icon = np.hstack([a, b])
    c = Canvas(size, size, ss=4)
    y = 0.06 * size
    for sign in (1, -1):
        x0, x1 = (0.28 * size, 0.72 * size) if sign > 0 else (0.72 * size, 0.28 * size)
        yy = y + (0 if sign > 0 else 0.1 * size)
        arc = spline([[x0, yy + 0.03 * size], [(x0 + x1) / 2, yy - sign * 0.07 * size], [x1, yy + 0.03 * size]])
        tip = arc[-1]
        d = tip - arc[-4]
        d /= np.linalg.norm(d)
        n = np.array([-d[1], d[0]])
        head = np.array([tip + d * 0.05 * size, tip + n * 0.045 * size, tip - n * 0.045 * size])
        colour = "#ff4f8b" if sign > 0 else "#3fa7ff"
        c.fill(c.stroke(arc[:-2], 0.04 * size), "#ffffff")
        c.fill(c.poly(head), "#ffffff")
        c.fill(c.stroke(arc[:-2], 0.022 * size), colour)
        c.fill(c.poly(tip + (head - tip) * 0.7), colour)
    over = c.image()
    alpha = over[..., 3:4].astype(np.float32) / 255
    return (icon * (1 - alpha) + over[..., :3] * alpha + 0.5).astype(np.uint8)


def draw_face_swap() -> FilterArt:
    """Two or more people trade faces; with one face the app says a second one is needed."""
    entry = {"name": "swap", "placement": "swap", "source": "other_face"}
    return FilterArt(
        "face_swap",
        "Face swap",
        "Two people trade faces (with more, each gets the next one's); needs two faces in the picture",
        order=150,
        layers=[LayerArt(entry)],
        thumbnail=swap_icon(),
    )
