"""Filters that only work in 3-D: ski goggles with a strap round the head, a halo, reindeer antlers.

All parts are ``head`` layers (see :mod:`facefilter.filters.head`): the goggles' strap is a band of
planes round the back of the head that the head hides as it turns; the halo is a horizontal ring
floating above the head, seen edge-on from the front and opening up when the head tips; the
antlers grow out of the top of the head.
"""

from __future__ import annotations

import numpy as np

from facefilter.tools.art.paint import spline
from facefilter.tools.art.sheet import FilterArt, Sheet, mirror
from facefilter.tools.art.space import folded_planes, head_layer, plane, plane_at, strip_planes

GOGGLE_Z = -32.0  # mm: in front of the brow and the nose bridge
STRAP_H = 34.0  # mm
PX_PER_MM = 4.0


def _goggle_front() -> tuple[Sheet, list[tuple[float, float]]]:
    s = Sheet(-1.0, -0.44, 1.0, 0.38, 320)
    outer = np.array([[0.0, -0.33], [0.45, -0.35], [0.8, -0.3], [0.96, -0.12], [0.95, 0.12], [0.82, 0.27],
                      [0.5, 0.3], [0.22, 0.26], [0.1, 0.16], [0.0, 0.14]])  # fmt: skip
    shape = np.concatenate([s.curve(outer[:-1], closed=False), s.curve(mirror(outer[::-1])[1:], closed=False)])
    frame = s.c.poly(shape)
    lens_pts = np.array([[0.0, -0.25], [0.42, -0.27], [0.74, -0.22], [0.86, -0.08], [0.85, 0.09], [0.74, 0.2],
                         [0.48, 0.22], [0.24, 0.18], [0.12, 0.08], [0.0, 0.06]])  # fmt: skip
    lens = s.c.poly(np.concatenate([s.curve(lens_pts[:-1], closed=False),
                                    s.curve(mirror(lens_pts[::-1])[1:], closed=False)]))  # fmt: skip
    s.c.shadow(frame, 0, s.u(0.02), s.u(0.02), 0.4)
    s.c.fill(frame, s.linear((0, -0.35), (0, 0.3), [(0, "#f4f6f8"), (0.5, "#d8dde3"), (1, "#9aa3ad")]))
    foam = frame * (1 - s.c.grow(frame, -s.u(0.03)))
    s.c.fill(s.c.blur(foam, 1.0), "#2a2e35", 0.55)
    s.c.fill(lens, s.linear((0, -0.27), (0, 0.22), [(0, "#ff8a2a"), (0.35, "#ff3d7f"), (0.7, "#7b3cff"),
                                                    (1, "#1f6bff")]))  # fmt: skip
    # Mirror reflections: a bright sky band and two diagonal glints.
    s.c.fill_inside(s.c.blur(s.poly([[-0.9, -0.27], [0.9, -0.27], [0.9, -0.12], [-0.9, -0.06]]), 4) * lens,
                    "#fff3d6", 0.35)  # fmt: skip
    for x0 in (-0.55, 0.25):
        band = s.poly([[x0, 0.22], [x0 + 0.22, -0.27], [x0 + 0.34, -0.27], [x0 + 0.12, 0.22]])
        s.c.fill(s.c.blur(band, 2.0) * lens, "#ffffff", 0.28)
    s.c.fill(s.c.blur(s.oval((0.55, -0.15), (0.06, 0.025), -20), 1.5) * lens, "#ffffff", 0.7)
    rim = lens * (1 - s.c.grow(lens, -s.u(0.012)))
    s.c.fill(rim, "#1a1d22", 0.8)
    for side in (-1, 1):  # strap clips
        clip = s.poly([[0.9 * side, -0.14], [0.99 * side, -0.14], [0.99 * side, 0.12], [0.9 * side, 0.12]])
        s.c.fill(clip, "#2a2e35")
    folds = [(-0.74, 26.0), (-0.3, 9.0), (0.3, 9.0), (0.74, 26.0)]
    return s, folds


def _strap_tile(length_mm: float) -> np.ndarray:
    """The elastic strap unrolled, ``length_mm`` long: teal with white edge stripes and chevrons."""
    s = Sheet(0.0, -STRAP_H / 2, length_mm, STRAP_H / 2, PX_PER_MM, ss=2)
    band = s.poly([[-2, -STRAP_H / 2 + 1], [length_mm + 2, -STRAP_H / 2 + 1], [length_mm + 2, STRAP_H / 2 - 1],
                   [-2, STRAP_H / 2 - 1]])  # fmt: skip
    s.c.fill(band, s.linear((0, -STRAP_H / 2), (0, STRAP_H / 2), [(0, "#1aa39a"), (0.5, "#0f7f86"), (1, "#0a5a66")]))
    for y in (-STRAP_H / 2 + 4, STRAP_H / 2 - 4):
        s.c.fill(s.line([[-2, y], [length_mm + 2, y]], 1.6, False), "#ffffff", 0.9)
    chevrons = []
    for x in np.arange(4.0, length_mm, 14.0):
        chevrons.append(s.p([[x, -7], [x + 6, 0], [x, 7]]))
    s.c.fill(s.c.strokes(chevrons, s.u(2.2)), "#ffd23f", 0.95)
    shade = s.c.blur(band * (1 - s.c.shift(band, 0, 2)), 1.0)
    s.c.fill(shade, "#ffffff", 0.25)
    return s.c.image()


def draw_ski_goggles() -> FilterArt:
    s, folds = _goggle_front()
    front = folded_planes(s, "goggles.png", GOGGLE_Z, folds)
    # The strap: from the right clip back along the side of the head, round the back (a ring just
    # outside the cranium's widest part) and forward to the left clip. The path runs clockwise
    # seen from above, so every plane faces out.
    last = front[-1]
    (cx, cy, cz), (w, _) = last["centre"], last["size"]
    yaw = np.radians(last["rotation"][0])
    end = np.array([cx + w / 2 * np.cos(yaw), cz + w / 2 * np.sin(yaw)]) - np.array([3.0, 0.0])
    t = np.radians(np.linspace(90, 270, 9))
    ring = np.stack([82.0 * np.sin(t), 72.0 - 102.0 * np.cos(t)], 1)
    right = [end, np.array([82.0, 36.0])]
    path = np.array([*right, *ring, *mirror(np.array(right))[::-1]])
    seg = np.linalg.norm(np.diff(path, axis=0), axis=1)
    tile = _strap_tile(float(seg.sum()))
    edges = [int(round(v)) for v in np.concatenate([[0.0], np.cumsum(seg)]) * PX_PER_MM]
    edges[-1] = tile.shape[1]
    strap = strip_planes("strap.png", edges, (0, tile.shape[0]), path, cy - 2.0, tile.shape[0] / PX_PER_MM)
    layers = [head_layer("strap", 9, strap, {"strap.png": tile}),
              head_layer("goggles", 10, front, {"goggles.png": s.c.image()})]  # fmt: skip
    return FilterArt("ski_goggles", "Ski goggles", "Mirrored ski goggles with a strap round the head.", 120, layers,
                     thumb_centre_y=-0.1, thumb_span=2.8)  # fmt: skip


def draw_halo() -> FilterArt:
    """A glowing gold ring floating above the head, horizontal in head space (seen from both sides)."""
    r_mm, tube = 60.0, 9.0
    size = 2 * (r_mm + 18.0)
    s = Sheet(-size / 2, -size / 2, size / 2, size / 2, PX_PER_MM, ss=2)
    x, y = s.c._coords()
    rr = np.sqrt((x / s.k + s.x0) ** 2 + (y / s.k + s.y0) ** 2)  # mm from the centre, per supersample
    d = np.abs(rr - r_mm)
    glow = np.exp(-((rr - r_mm) / 11.0) ** 2)
    s.c.fill(glow.astype(np.float32), "#fff1a8", 0.55)
    ring = np.clip(tube / 2 - d + 0.5, 0, 1).astype(np.float32)
    # A gold torus lit from above: bright along its middle, darker towards its edges.
    shade = np.clip(1.0 - (d / (tube / 2)) ** 2, 0, 1)
    light = ((0.35 + 0.65 * shade)[..., None] * np.array([0.22, 0.7, 1.0], np.float32)).astype(np.float32)
    s.c.fill(np.clip(tube / 2 + 1.2 - d + 0.5, 0, 1).astype(np.float32), "#7a5208", 0.9)
    s.c.fill(ring, light)
    s.c.fill(np.clip(1.2 - d, 0, 1).astype(np.float32) * ring, "#fffbe8", 0.7)
    # Horizontal but for a 20 deg tilt towards the front, as halos are painted: seen from eye level
    # it is an ellipse, not a line.
    halo = plane("halo.png", (0.0, -165.0, 62.0), (size, size), (0.0, -70.0, 0.0), double_sided=True)
    layer = head_layer("halo", 10, [halo], {"halo.png": s.c.image()})
    return FilterArt("halo", "Halo", "A glowing gold halo floating above the head.", 130, [layer],
                     thumb_centre_y=-0.6, thumb_span=3.4)  # fmt: skip


def draw_antlers() -> FilterArt:
    """Velvet reindeer antlers growing from the top of the head (the left one, mirrored)."""
    rng = np.random.default_rng(3)
    s = Sheet(-1.25, -2.15, 0.05, -0.75, 300)
    beam = spline([[-0.25, -0.85], [-0.42, -1.25], [-0.62, -1.55], [-0.9, -1.78], [-1.12, -1.98]], samples=20)
    tines = [
        spline([[-0.38, -1.15], [-0.2, -1.38], [-0.08, -1.62]], samples=16),
        spline([[-0.56, -1.48], [-0.45, -1.78], [-0.4, -2.05]], samples=16),
        spline([[-0.82, -1.72], [-0.82, -1.95], [-0.72, -2.1]], samples=16),
        spline([[-0.48, -1.05], [-0.72, -1.1], [-0.9, -1.2]], samples=16),
        spline([[-1.0, -1.88], [-1.16, -1.8], [-1.2, -1.66]], samples=16),
    ]
    body = s.c.empty()
    for path, w0, w1 in [(beam, 0.09, 0.045)] + [(t, 0.055, 0.02) for t in tines]:
        widths = np.linspace(w0, w1, len(path))
        for i in range(len(path) - 1):
            body = np.maximum(body, s.line(path[i : i + 2], float(widths[i]), False))
    s.c.shadow(body, s.u(0.01), s.u(0.015), s.u(0.012), 0.3)
    s.c.fill(body, s.linear((-0.2, -0.8), (-0.9, -2.0), [(0, "#5b3a22"), (0.5, "#8a5a34"), (1, "#c99b6a")]))
    edge = body * (1 - s.c.shift(body, s.u(0.012), 0))
    s.c.fill(s.c.blur(edge, 1.0), "#f0d2a8", 0.45)  # lit from the left
    dark = body * (1 - s.c.shift(body, -s.u(0.014), 0))
    s.c.fill(s.c.blur(dark, 1.0), "#2a180b", 0.45)
    fuzz = [s.p([p, p + rng.normal(0, 0.006, 2)]) for p in beam[rng.integers(0, len(beam), 400)]]
    s.c.fill(s.c.strokes(fuzz, s.u(0.004)) * body, "#d8b48c", 0.35)
    left = plane_at(s, "antler.png", (-0.25, -0.85), (-34.0, -104.0, 52.0), (-28.0, -8.0, -6.0), mirror=True)
    layer = head_layer("antlers", 10, [left], {"antler.png": s.c.image()})
    return FilterArt("antlers", "Antlers", "Velvet reindeer antlers growing from the top of the head.", 140,
                     [layer], thumb_centre_y=-0.75, thumb_span=3.4)  # fmt: skip
