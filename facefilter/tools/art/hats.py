"""Headwear: the crown and the party hat."""

from __future__ import annotations

import numpy as np

from facefilter.tools.art.paint import ellipse, spline
from facefilter.tools.art.sheet import GOLD, FilterArt, Sheet, sticker


def draw_crown() -> FilterArt:
    s = Sheet(-0.75, -1.62, 0.75, -0.66, 380)
    band_top, band_bot = -1.0, -0.80
    band = s.poly(np.concatenate([spline([[-0.6, band_top], [0, band_top + 0.05], [0.6, band_top]]),
                                  spline([[0.6, band_bot], [0, band_bot + 0.06], [-0.6, band_bot]])]))  # fmt: skip
    tips = [(-0.52, -1.38), (-0.27, -1.46), (0.0, -1.56), (0.27, -1.46), (0.52, -1.38)]
    crown_pts = [[-0.6, band_top + 0.02]]
    for i, (x, y) in enumerate(tips):
        crown_pts.append([x, y])
        if i < len(tips) - 1:
            nx = tips[i + 1][0]
            crown_pts.append([(x + nx) / 2, -1.12 + 0.03 * abs(x + nx)])
    crown_pts.append([0.6, band_top + 0.02])
    spikes = s.poly(np.array(crown_pts + [[0.6, band_top + 0.1], [-0.6, band_top + 0.1]]))
    body = np.maximum(band, spikes)
    s.c.shadow(body, 0, s.u(0.02), s.u(0.02), 0.4)
    s.c.fill(body, s.linear((-0.3, -1.55), (0.3, -0.8), GOLD))
    s.c.fill(band, s.linear((0, band_top), (0, band_bot + 0.06), [(0, "#fff1b8"), (0.4, "#e3b23c"), (1, "#8a6010")]))
    edge = body * (1 - s.c.grow(body, -s.u(0.012)))
    s.c.fill(s.c.blur(edge, 0.8), "#6b4a06", 0.8)
    s.c.fill(
        s.c.blur(s.line([[-0.6, band_top + 0.03], [0, band_top + 0.08], [0.6, band_top + 0.03]], 0.012), 1),
        "#fff8dc",
        0.7,
    )
    for x, y in tips:
        p = s.oval((x, y), (0.045, 0.045))
        s.c.fill(p, s.radial((x - 0.015, y - 0.015), 0.06, [(0, "#ffffff"), (0.5, "#f3ecdf"), (1, "#b9ad9a")]))
    for x, colour, r in ((-0.38, "#1e5bd6", 0.045), (0.0, "#d61e3c", 0.065), (0.38, "#1f9e55", 0.045)):
        y = -0.9 + 0.05 * (1 - (x / 0.6) ** 2)
        gem = s.oval((x, y), (r, r * 0.8))
        s.c.fill(s.c.grow(gem, s.u(0.012)), "#8a6010")
        s.c.fill(gem, s.radial((x - r * 0.3, y - r * 0.3), r * 1.4, [(0, "#ffffff"), (0.25, colour), (1, "#10101a")]))
        s.c.fill(s.c.blur(s.oval((x - r * 0.35, y - r * 0.3), (r * 0.25, r * 0.15)), 1), "#ffffff", 0.8)
    for x in (-0.53, -0.19, 0.19, 0.53):
        y = -0.9 + 0.05 * (1 - (x / 0.6) ** 2)
        s.c.fill(
            s.oval((x, y), (0.018, 0.018)), s.radial((x - 0.005, y - 0.005), 0.025, [(0, "#ffffff"), (1, "#c8c0b0")])
        )
    layer = sticker("crown", "similarity", s, [0, 16], 10)
    return FilterArt("crown", "Crown", "A jewelled gold crown on top of the head.", 70, [layer],
                     thumb_centre_y=-0.45, thumb_span=3.0)  # fmt: skip


def draw_party_hat() -> FilterArt:
    rng = np.random.default_rng(5)
    s = Sheet(-0.7, -2.1, 0.85, -0.7, 340)
    tip = np.array([0.28, -1.88])
    base_c, base_w, base_h = np.array([0.04, -0.98]), 0.46, 0.08
    base = ellipse(base_c, (base_w, base_h), -8, 90)
    lower_half = base[(base[:, 1] - base_c[1]) * np.cos(np.radians(8)) >= -0.0]
    cone_pts = np.concatenate([[tip], base[np.argsort(np.arctan2(base[:, 1] - base_c[1], base[:, 0] - base_c[0]))]])
    cone = np.maximum(
        s.poly(np.array([tip, base_c + (-base_w, 0.035), base_c + (base_w, -0.03)])),
        s.oval(base_c, (base_w, base_h), -8),
    )
    del lower_half, cone_pts
    s.c.shadow(cone, 0, s.u(0.02), s.u(0.02), 0.35)
    s.c.fill(cone, s.linear((-0.4, -1.2), (0.5, -1.3), [(0, "#6a2cc9"), (0.5, "#8f4dff"), (1, "#4b1a96")]))
    stripes = s.c.empty()
    axis = tip - base_c
    for k in range(-3, 5):
        a = base_c + axis * (k * 0.2)
        d = np.array([1.0, 0.55])
        stripes = np.maximum(stripes, s.poly(np.array([a - d, a + d, a + d + axis * 0.09, a - d + axis * 0.09])))
    s.c.fill_inside(stripes, s.linear((-0.4, -1.0), (0.5, -1.8), [(0, "#ffcf33"), (1, "#ff8a1f")]))
    for _ in range(18):
        p = base_c + axis * rng.uniform(0.1, 0.85) + np.array([1.0, 0.0]) * rng.uniform(-0.3, 0.3)
        s.c.fill_inside(s.oval(p, (0.022, 0.022)), rng.choice(["#ffffff", "#38d6c4", "#ff5fa2"]), 0.95)
    shade = s.linear(base_c + (-base_w, 0), base_c + (base_w, 0), [(0, "#000000"), (1, "#000000")])
    shade_mask = s.c.blur(s.poly(np.array([tip, base_c + (0.15, 0.0), base_c + (base_w + 0.1, 0.0)])), 6)
    s.c.fill_inside(shade_mask, shade, 0.25)
    s.c.fill_inside(s.c.blur(s.poly(np.array([tip, base_c + (-0.3, 0.0), base_c + (-0.18, 0.0)])), 5), "#ffffff", 0.25)
    # Frilly trim at the base.
    trim = s.c.empty()
    for t in np.linspace(0, 2 * np.pi, 28, endpoint=False):
        p = base_c + np.array([base_w * np.cos(t) * np.cos(np.radians(8)), base_w * np.cos(t) * np.sin(np.radians(-8))])
        p = p + np.array([0, base_h * np.sin(t)])
        if np.sin(t) > -0.3:
            trim = np.maximum(trim, s.oval(p, (0.05, 0.04)))
    s.c.fill(trim, s.radial(base_c + (0, 0.02), (0.5, 0.12), [(0, "#ffffff"), (1, "#f5d7ff")]))
    pom = s.c.empty()
    for ang in np.linspace(0, 2 * np.pi, 40, endpoint=False):
        r = 0.07 + 0.02 * rng.random()
        pom = np.maximum(pom, s.line([tip, tip + r * np.array([np.cos(ang), np.sin(ang)])], 0.03, False))
    s.c.fill(pom, s.radial(tip - (0.02, 0.03), 0.11, [(0, "#ffffff"), (0.6, "#ffd1ec"), (1, "#ff69b4")]))
    layer = sticker("hat", "similarity", s, [0, 16], 10)
    return FilterArt("party_hat", "Party hat", "A striped cone hat with a pompom, tilted just so.", 80, [layer],
                     thumb_centre_y=-0.55, thumb_span=3.2)  # fmt: skip
