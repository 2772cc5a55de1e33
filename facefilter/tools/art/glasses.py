"""Eyewear in head space: sunglasses, round glasses and the masquerade mask.

The fronts are drawn on template-unit sheets (as the 2-D stickers were), then folded back at the
bridge and the end pieces (:func:`~facefilter.tools.art.space.folded_planes`) so they wrap round
the face; the temple arms are side-view pictures on planes running from the end pieces back to the
ears, just outside the head, so the far one disappears behind it when the head turns.
"""

from __future__ import annotations

import numpy as np

from facefilter.tools.art.paint import spline
from facefilter.tools.art.sheet import GOLD, FilterArt, Sheet, mirror, sample_in
from facefilter.tools.art.space import MM, edge_x, edge_y, folded_planes, head_layer, plane

FRONT_Z = -24.0  # mm: glasses sit on the nose bridge, about 12 mm in front of the eyes
ARM_LENGTH = 112.0  # mm, from the hinge to the tip behind the ear
ARM_OUT = 6.0  # degrees the arms open outwards (the head is wider at the ears than at the temples)


def _arm_sheet(thick: float, thin: float, k: float = 380) -> tuple[Sheet, np.ndarray]:
    """A temple arm seen from outside: the hinge at template (0, 0) on the left, the ear bend on the
    right. Returns the sheet and the arm's coverage; ``thick``/``thin``: its height at hinge and tip."""
    length = ARM_LENGTH / MM  # template units
    s = Sheet(-0.01, -0.07, length + 0.01, 0.17, k)
    spine = np.array([[0.0, 0.0], [0.3 * length, 0.004], [0.62 * length, 0.012], [0.78 * length, 0.026],
                      [0.9 * length, 0.06], [length - 0.012, 0.125]])  # fmt: skip
    path = spline(spine, samples=24)
    t = np.linspace(0.0, 1.0, len(path))
    width = thick + (thin - thick) * np.clip(t * 1.6, 0, 1)
    body = s.c.empty()
    for i in range(len(path) - 1):
        body = np.maximum(body, s.line(path[i : i + 2], float(width[i]), False))
    return s, body


def _arm_plane(image: str, s: Sheet, front: list[dict], hinge_y: float) -> dict:
    """The right arm's plane (mirrored to the left) hinged on the outer end of the ``front`` planes."""
    last = front[-1]
    (cx, _, cz), (w, _) = last["centre"], last["size"]
    yaw = np.radians(last.get("rotation", [0, 0, 0])[0])
    end = np.array([cx + w / 2 * np.cos(yaw), cz + w / 2 * np.sin(yaw)])
    a = np.radians(90.0 - ARM_OUT)
    direction = np.array([np.cos(a), np.sin(a)])
    hinge = end - np.array([4.0, -1.0])  # tucked under the end piece
    mid_x = (edge_x(s, 0) + edge_x(s, s.c.width)) / 2 * MM
    mid_y = (edge_y(s, 0) + edge_y(s, s.c.height)) / 2 * MM
    centre = hinge + direction * mid_x
    size = (s.c.width / s.k * MM, s.c.height / s.k * MM)
    return plane(image, (centre[0], hinge_y + mid_y, centre[1]), size, (90.0 - ARM_OUT, 0, 0), mirror=True)


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
        s.line([[-0.66, -0.11], [-0.83, -0.10]], 0.06, False), s.line([[0.66, -0.11], [0.83, -0.10]], 0.06, False)
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
    front = folded_planes(s, "front.png", FRONT_Z, [(-0.66, 26.0), (-0.12, 8.0), (0.12, 8.0), (0.66, 26.0)])

    a, arm = _arm_sheet(0.085, 0.05)
    a.c.shadow(arm, 0, a.u(0.008), a.u(0.006), 0.3)
    a.c.fill(arm, a.linear((0, -0.05), (0, 0.05), [(0, "#3a3a40"), (0.5, "#16161a"), (1, "#050507")]))
    a.c.fill(a.c.blur(arm * (1 - a.c.shift(arm, 0, a.u(0.012))), 0.8), "#ffffff", 0.3)
    for x in (0.035, 0.06):  # the hinge's two rivets
        a.c.fill(a.oval((x, -0.008), (0.008, 0.008)), a.radial((x - 0.003, -0.011), 0.012,
                                                           [(0, "#ffffff"), (1, "#8a8f98")]))  # fmt: skip
    arms = _arm_plane("arm.png", a, front, -0.105 * MM)
    layer = head_layer("glasses", 10, [*front, arms], {"front.png": s.c.image(), "arm.png": a.c.image()})
    return FilterArt("sunglasses", "Sunglasses", "Dark wraparound wayfarers; the arms go back to the ears.", 10,
                     [layer])  # fmt: skip


def draw_round_glasses() -> FilterArt:
    s = Sheet(-0.84, -0.32, 0.84, 0.32, 380)
    r = 0.215
    centres = [(-0.36, 0.02), (0.36, 0.02)]
    lenses = np.maximum(s.oval(centres[0], (r, r)), s.oval(centres[1], (r, r)))
    rim = s.c.grow(lenses, s.u(0.028)) * (1 - lenses)
    bridge = s.line([[-0.15, -0.01], [-0.07, -0.065], [0.07, -0.065], [0.15, -0.01]], 0.026)
    arms = np.maximum(
        s.line([[-0.6, -0.02], [-0.83, -0.03]], 0.03, False), s.line([[0.6, -0.02], [0.83, -0.03]], 0.03, False)
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
    front = folded_planes(s, "front.png", FRONT_Z, [(-0.62, 36.0), (-0.15, 5.0), (0.15, 5.0), (0.62, 36.0)])

    a, arm = _arm_sheet(0.03, 0.026)
    tip = a.line(spline([[0.86 * ARM_LENGTH / MM, 0.035], [0.94 * ARM_LENGTH / MM, 0.075],
                         [ARM_LENGTH / MM - 0.012, 0.125]]), 0.045, False)  # fmt: skip
    a.c.shadow(arm, 0, a.u(0.006), a.u(0.005), 0.3)
    a.c.fill(arm, a.linear((0, -0.02), (0, 0.02), [(0, "#fff0b0"), (0.4, "#e2b75a"), (1, "#8a611c")]))
    a.c.fill(a.c.blur(arm * (1 - a.c.shift(arm, 0, a.u(0.008))), 0.6), "#fffbe6", 0.6)
    a.c.fill(tip, a.linear((0, 0.03), (0, 0.13), [(0, "#7a4a2a"), (1, "#4a2a18")]), 0.95)  # tortoiseshell ear piece
    arms_plane = _arm_plane("arm.png", a, front, -0.025 * MM)
    layer = head_layer("glasses", 10, [*front, arms_plane], {"front.png": s.c.image(), "arm.png": a.c.image()})
    return FilterArt(
        "round_glasses", "Round glasses", "Thin gold frames with clear, lightly tinted lenses.", 20, [layer]
    )


def _feathers(s: Sheet) -> None:
    """Three feathers fanning up and out from the sheet point (0.67, -0.2) (the right temple)."""
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


def draw_masquerade() -> FilterArt:
    rng = np.random.default_rng(13)
    s = Sheet(-0.92, -0.52, 0.92, 0.3, 340)
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
    folds = [(-0.6, 34.0), (-0.14, 7.0), (0.14, 7.0), (0.6, 34.0)]
    front = folded_planes(s, "mask.png", FRONT_Z - 2.0, folds)
    mask_layer = head_layer("mask", 10, front, {"mask.png": s.c.image()})

    # The feathers continue the right side panel (same direction), from the temple up and out.
    f = Sheet(0.5, -1.25, 1.3, -0.12, 340)
    _feathers(f)
    side = front[-1]
    (cx, _, cz), (w, _) = side["centre"], side["size"]
    yaw = side["rotation"][0]
    d = np.array([np.cos(np.radians(yaw)), np.sin(np.radians(yaw))])
    inner = np.array([cx, cz]) - d * w / 2  # the fold at template x = 0.6
    fold_x = edge_x(s, round((0.6 - s.x0) * s.k + 0.5))
    mid_x = (edge_x(f, 0) + edge_x(f, f.c.width)) / 2
    centre = inner + d * (mid_x - fold_x) * MM + np.array([-d[1], d[0]]) * 1.5  # 1.5 mm behind the mask
    mid_y = (edge_y(f, 0) + edge_y(f, f.c.height)) / 2 * MM
    feathers = plane("feathers.png", (centre[0], mid_y, centre[1]), (f.c.width / f.k * MM, f.c.height / f.k * MM),
                     (yaw, 0, 0), double_sided=True)  # fmt: skip
    feather_layer = head_layer("feathers", 9, [feathers], {"feathers.png": f.c.image()})
    return FilterArt("masquerade", "Masquerade", "A velvet and gold Venetian mask with feathers.", 100,
                     [feather_layer, mask_layer], thumb_centre_y=-0.25, thumb_span=2.7)  # fmt: skip
