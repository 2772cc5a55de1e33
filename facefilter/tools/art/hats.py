"""Headwear in head space: the crown (a ring of gold round the head) and the party hat (a cone).

Head space is in millimetres with its origin between the outer eye corners (see
:mod:`facefilter.filters.head`); the top of the head is near y = -120 mm, its widest ring at the
brow is about 126 x 160 mm (the occluder's cranium).
"""

from __future__ import annotations

import numpy as np

from facefilter.tools.art.sheet import GOLD, FilterArt, Sheet
from facefilter.tools.art.space import head_layer, plane, ring_path, strip_planes, wrap_pad

CROWN_SEGMENTS = 8
CROWN_RING = (66.0, 83.0)  # semi-axes (x, z) in mm of the crown's ring, round the head's vertical axis
CROWN_CENTRE_Z = 73.0
CROWN_BOTTOM = -76.0  # y (mm) of the band's lower edge
CROWN_BAND_TOP = CROWN_BOTTOM - 17.0  # and of its upper edge (the band is 17 mm tall)
PX_PER_MM = 4.0


def _crown_strip(dark: bool) -> tuple[np.ndarray, list[int], int]:
    """The crown unrolled: ``CROWN_SEGMENTS`` units, each a spike with a pearl over a jewelled band.

    Returns (straight-alpha BGRA picture, the column edges of the units, the picture's height).
    ``dark``: the inside of the ring (no jewels, shaded). Unit 0 is the front and carries the big ruby.
    """
    ring = ring_path(CROWN_CENTRE_Z, CROWN_RING, -180 / CROWN_SEGMENTS, 360 - 180 / CROWN_SEGMENTS, CROWN_SEGMENTS)
    chords = np.linalg.norm(np.diff(ring, axis=0), axis=1)
    unit = float(chords.mean())  # mm; all chords are within a few mm of each other
    band_h, spike_h, pad = 17.0, 44.0, 6.0
    # One sheet in mm (k = px per mm); x runs along the ring, y down, the band's bottom at y = 0.
    s = Sheet(0.0, -band_h - spike_h - pad, unit * CROWN_SEGMENTS, 0.5, PX_PER_MM, ss=3)
    length = unit * CROWN_SEGMENTS
    # Shapes run past both ends of the strip, so its end columns are opaque and the ring closes cleanly.
    band = s.poly([[-2, -band_h], [length + 2, -band_h], [length + 2, 0], [-2, 0]])
    spikes_pts = [[-2.0, -band_h + 1], [-2.0, -band_h - 12], [0.0, -band_h - 12]]
    for i in range(CROWN_SEGMENTS):
        x0 = i * unit
        tall = spike_h if i % 2 == 0 else spike_h * 0.8
        spikes_pts += [[x0 + 0.08 * unit, -band_h - 8], [x0 + 0.5 * unit, -band_h - tall + 4],
                       [x0 + 0.92 * unit, -band_h - 8], [x0 + unit, -band_h - 12]]  # fmt: skip
    spikes_pts += [[length + 2, -band_h - 12], [length + 2, -band_h + 1]]
    spikes = s.poly(np.array(spikes_pts))
    body = np.maximum(band, spikes)
    if dark:
        s.c.fill(body, s.linear((0, -spike_h - band_h), (0, 0), [(0, "#8a6a1c"), (0.6, "#5a420e"), (1, "#3a2806")]))
        s.c.fill(s.c.blur(band * (1 - s.c.shift(band, 0, 3)), 1.0), "#c79a35", 0.5)
    else:
        s.c.fill(body, s.linear((0, -spike_h - band_h), (0, 0), GOLD))
        s.c.fill(band, s.linear((0, -band_h), (0, 0), [(0, "#fff1b8"), (0.4, "#e3b23c"), (1, "#8a6010")]))
        edge = body * (1 - s.c.grow(body, -1.2))
        s.c.fill(s.c.blur(edge, 0.8), "#6b4a06", 0.8)
        top, bot = -band_h - 0.6, -band_h + 1.4
        rim = s.poly([[-2, top], [length + 2, top], [length + 2, bot], [-2, bot]])
        s.c.fill(s.c.blur(rim, 1.0), "#fff8dc", 0.7)
    for i in range(CROWN_SEGMENTS):
        x = (i + 0.5) * unit
        tall = spike_h if i % 2 == 0 else spike_h * 0.8
        y = -band_h - tall + 2
        r = 3.6 if i % 2 == 0 else 3.0
        s.c.fill(s.oval((x, y), (r, r)), s.radial((x - 1.2, y - 1.2), 4.8 if not dark else 3.0,
                                                   [(0, "#ffffff"), (0.5, "#f3ecdf"), (1, "#b9ad9a")]))  # fmt: skip
        if dark:
            continue
        colours = ("#d61e3c", "#1e5bd6", "#1f9e55")
        colour = colours[0] if i == 0 else colours[i % 3]
        r = 5.6 if i == 0 else 4.0
        y = -band_h / 2
        gem = s.oval((x, y), (r, r * 0.8))
        s.c.fill(s.c.grow(gem, 1.0), "#8a6010")
        s.c.fill(gem, s.radial((x - r * 0.3, y - r * 0.3), r * 1.4, [(0, "#ffffff"), (0.25, colour), (1, "#10101a")]))
        s.c.fill(s.c.blur(s.oval((x - r * 0.35, y - r * 0.3), (r * 0.25, r * 0.15)), 1), "#ffffff", 0.8)
        for dx in (-0.5, 0.5):
            px = x + dx * unit
            s.c.fill(s.oval((px, y), (1.5, 1.5)), s.radial((px - 0.4, y - 0.4), 2.0, [(0, "#ffffff"), (1, "#c8c0b0")]))
    edges = [int(round(i * unit * PX_PER_MM)) for i in range(CROWN_SEGMENTS + 1)]
    edges[-1] = s.c.width
    return s.c.image(), edges, s.c.height


def draw_crown() -> FilterArt:
    outside, edges0, h = _crown_strip(dark=False)
    inside, _, _ = _crown_strip(dark=True)
    outside, edges = wrap_pad(outside, edges0)
    inside, _ = wrap_pad(inside, edges0)
    start = -180 / CROWN_SEGMENTS
    ring = ring_path(CROWN_CENTRE_Z, CROWN_RING, start, start + 360, CROWN_SEGMENTS)
    height = h / PX_PER_MM
    y = CROWN_BOTTOM - height / 2 + 0.5
    # Outer faces go round clockwise seen from above (facing out); the inside runs the other way
    # (facing in) with the picture flipped, so the same spike is on the same chord from both sides.
    outer = strip_planes("crown.png", edges, (0, h), ring, y, height)
    # The inside is seen only above the head (the head fills the ring below the band's top): its
    # planes stop 3 mm under the band's top edge, which saves drawing what the head always hides.
    top = y - height / 2
    cut = int(round((CROWN_BAND_TOP - top + 3.0) * PX_PER_MM))
    inside = inside[:cut, ::-1]
    w = inside.shape[1]
    inner_edges = [w - e for e in edges][::-1]
    inner = strip_planes("crown_inside.png", inner_edges, (0, cut), ring[::-1], top + cut / PX_PER_MM / 2,
                         cut / PX_PER_MM)  # fmt: skip
    layer = head_layer("crown", 10, [*inner, *outer], {"crown.png": outside, "crown_inside.png": inside})
    return FilterArt("crown", "Crown", "A jewelled gold crown round the head.", 70, [layer],
                     thumb_centre_y=-0.45, thumb_span=3.0)  # fmt: skip


def draw_party_hat() -> FilterArt:
    """A cone seen from the front on a billboard: it turns to face the camera about its own axis,
    as a cone looks the same from every side, and tips and leans with the head."""
    rng = np.random.default_rng(5)
    radius, tall = 42.0, 128.0  # mm
    s = Sheet(-radius - 12, -tall - 22, radius + 12, 16, PX_PER_MM * 1.0, ss=3)
    tip = np.array([0.0, -tall])
    base_h = 9.0
    cone = np.maximum(s.poly(np.array([tip, [-radius, 0.0], [radius, 0.0]])), s.oval((0, 0), (radius, base_h)))
    s.c.fill(cone, s.linear((-radius, 0), (radius, 0), [(0, "#4b1a96"), (0.35, "#8f4dff"), (0.6, "#7a3de6"),
                                                        (1, "#3a1275")]))  # fmt: skip
    stripes = s.c.empty()
    for k in range(-1, 8):
        a = np.array([0.0, -k * 20.0])
        d = np.array([80.0, 36.0])
        stripes = np.maximum(stripes, s.poly(np.array([a - d, a + d, a + d + (0, -8), a - d + (0, -8)])))
    s.c.fill_inside(stripes, s.linear((-radius, 0), (radius, -tall), [(0, "#ffcf33"), (1, "#ff8a1f")]))
    for _ in range(20):
        t = rng.uniform(0.12, 0.85)
        p = tip + (np.array([rng.uniform(-1, 1) * radius * 0.8, 0.0]) - tip) * t
        s.c.fill_inside(s.oval(p, (2.0, 2.0)), rng.choice(["#ffffff", "#38d6c4", "#ff5fa2"]), 0.95)
    # Round shading: light from the upper left, dark on the right.
    shade = s.c.blur(s.poly(np.array([tip + (3, 0), [radius * 0.35, 0.0], [radius + 8, 0.0], [radius + 8, -tall]])), 10)
    s.c.fill_inside(shade, "#000000", 0.32)
    s.c.fill_inside(s.c.blur(s.poly(np.array([tip, [-radius * 0.62, 0.0], [-radius * 0.4, 0.0]])), 6), "#ffffff", 0.28)
    # Frilly trim round the front of the base.
    trim = s.c.empty()
    for t in np.linspace(0, np.pi, 16):
        p = np.array([-radius * np.cos(t), base_h * np.sin(t)])
        trim = np.maximum(trim, s.oval(p, (5.5, 4.5)))
    s.c.fill(trim, s.radial((0, 2), (radius + 8, 12), [(0, "#ffffff"), (1, "#f5d7ff")]))
    pom = s.c.empty()
    for ang in np.linspace(0, 2 * np.pi, 44, endpoint=False):
        r = 8.0 + 2.0 * rng.random()
        pom = np.maximum(pom, s.line([tip, tip + r * np.array([np.cos(ang), np.sin(ang)])], 3.4, False))
    s.c.fill(pom, s.radial(tip - (2, 3), 11, [(0, "#ffffff"), (0.6, "#ffd1ec"), (1, "#ff69b4")]))
    width, height = s.c.width / s.k, s.c.height / s.k
    # The base's centre sits on the crown of the head, the cone leaning 14 deg to the image right.
    base = np.array([6.0, -104.0, 58.0])
    roll = 14.0
    a = np.radians(roll)
    up = np.array([np.sin(a), -np.cos(a), 0.0])  # from the base towards the tip
    centre_y_in_sheet = (-tall - 22 + 16) / 2  # sheet y of the picture's centre (base at y = 0)
    centre = base - up * centre_y_in_sheet
    hat = plane("hat.png", centre, (width, height), (0, 0, roll), billboard=True)
    layer = head_layer("hat", 10, [hat], {"hat.png": s.c.image()}, occlude=False)
    return FilterArt("party_hat", "Party hat", "A striped cone hat with a pompom, tilted just so.", 80, [layer],
                     thumb_centre_y=-0.55, thumb_span=3.2)  # fmt: skip
