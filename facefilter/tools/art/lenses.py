"""Lenses that react: a rainbow pouring from the open mouth, hearts when you smile, a sparkle when
you wink. Their pictures are drawn here; their motion is data in the manifests (particle emitters
and animated stickers started by triggers, see :mod:`facefilter.filters.particles`,
:mod:`facefilter.filters.animation` and :mod:`facefilter.filters.triggers`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from facefilter.filters import geometry
from facefilter.tools.art.paint import Canvas, bgr
from facefilter.tools.art.sheet import FilterArt, LayerArt, Sheet

T = geometry.TEMPLATE_68
MOUTH_INNER = list(range(60, 68))
RAINBOW = ["#ff2d55", "#ff9500", "#ffd60a", "#34c759", "#0a84ff", "#8e44ff"]


# ----------------------------------------------------------------------------- shapes


def heart_outline(centre: Sequence[float], width: float, angle: float = 0.0, n: int = 160) -> np.ndarray:
    """A heart ``width`` wide (pixels of whatever canvas) centred on ``centre``, ``(n, 2)``."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    pts = np.stack([x, y + 2.5], 1) * (width / 34.0)
    a = np.radians(angle)
    r = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return pts @ r.T + np.asarray(centre, np.float64)


def star_outline(centre: Sequence[float], radius: float, angle: float = 0.0, pinch: float = 5.0) -> np.ndarray:
    """A four-pointed sparkle: the superellipse ``|x|^(2/pinch) + |y|^(2/pinch) = radius^(2/pinch)``
    turned ``angle`` degrees: sharp rays along the axes with concave sides (``pinch`` 2: a
    diamond, 1: a disc; 5: thin rays, the diagonal at 0.22 x the radius); ``(720, 2)``."""
    t = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    x, y = np.sign(c) * np.abs(c) ** pinch, np.sign(s) * np.abs(s) ** pinch
    a = np.radians(angle)
    pts = np.stack([x * np.cos(a) - y * np.sin(a), x * np.sin(a) + y * np.cos(a)], 1) * radius
    return pts + np.asarray(centre, np.float64)


def _glossy_heart(c: Canvas, centre: Sequence[float], width: float, colours: tuple[str, str, str]) -> None:
    """A candy heart: soft shadow, a light-to-deep gradient, a white rim light and a highlight."""
    light, mid, deep = colours
    cx, cy = centre
    body = c.poly(heart_outline(centre, width))
    c.fill(c.blur(c.shift(body, 0, width * 0.035), width * 0.03), (20, 10, 30), 0.35)
    c.fill(body, c.radial((cx - 0.18 * width, cy - 0.2 * width), width * 0.75, [(0, light), (0.45, mid), (1, deep)]))
    inner = c.grow(body, -width * 0.05)
    c.fill(c.blur(body * (1 - inner), width * 0.012), "#ffffff", 0.35)  # rim light
    c.fill(c.blur(c.poly(heart_outline((cx, cy + 0.16 * width), width * 0.55)), width * 0.08) * body, deep, 0.35)
    hi = c.poly(heart_outline((cx - 0.2 * width, cy - 0.2 * width), width * 0.22, -35))
    c.fill(c.blur(hi, width * 0.03) * body, "#ffffff", 0.8)
    dot = c.poly(np.array([[cx + 0.22 * width, cy - 0.19 * width]]) + 0.035 * width * np.stack(
        [np.cos(np.linspace(0, 2 * np.pi, 24)), np.sin(np.linspace(0, 2 * np.pi, 24))], 1))  # fmt: skip
    c.fill(c.blur(dot, width * 0.01) * body, "#ffffff", 0.7)


def _sparkle(
    c: Canvas, centre: Sequence[float], radius: float, tint: str, angle: float = 0.0, glow: float = 1.0,
    pinch: float = 5.0,
) -> None:
    """A glowing four-pointed star (white core, tinted rays) with a smaller one turned 45 degrees."""
    cx, cy = centre
    halo = c.poly(star_outline(centre, radius * 0.4, 0, 1.0))
    c.fill(c.blur(halo, radius * 0.22), tint, 0.6 * glow)
    shade = c.radial((cx, cy), radius, [(0, "#ffffff"), (0.22, "#ffffff"), (0.7, tint), (1, tint)])
    back = c.poly(star_outline(centre, radius * 0.5, angle + 45, pinch - 1))
    c.fill(c.blur(back, radius * 0.012), shade, 0.9)
    front = c.poly(star_outline(centre, radius, angle, pinch))
    c.fill(c.blur(front, radius * 0.008), shade)
    c.fill(c.blur(c.poly(star_outline(centre, radius * 0.14, 0, 1.0)), radius * 0.05), "#ffffff")


# ----------------------------------------------------------------------------- layers


def _sprite_frames(draw: Callable[[Canvas, Any], None], variants: Sequence[Any], size: int) -> list[np.ndarray]:
    out = []
    for v in variants:
        c = Canvas(size, size, 4)
        draw(c, v)
        out.append(c.image())
    return out


def particles(name: str, images: np.ndarray | list[np.ndarray], z: int, emitter: dict[str, Any]) -> LayerArt:
    """A particle layer whose picture is ``images`` (a list: frames each particle picks from)."""
    entry = {"name": name, "placement": "particles", "image": f"{name}.png", "z": z, "emitter": emitter}
    return LayerArt(entry, images)


def animated_sticker(name: str, sheets: list[Sheet], anchors: list[Any], z: int, fps: float, **kw: Any) -> LayerArt:
    """A similarity sticker whose frames are ``sheets`` (all the same template box)."""
    entry = {"name": name, "placement": "similarity", "image": f"{name}.png", "anchors": anchors,
             "image_points": sheets[0].anchor_points(anchors), "z": z, **kw}  # fmt: skip
    return LayerArt(entry, [s.c.image() for s in sheets], fps)


def ribbon_cross_section(colours: Sequence[str], width: int = 192) -> np.ndarray:
    """The cross-section of a glossy candy rainbow: ``colours`` side by side, each band shaded like a
    tube (lit centre, darker seams, a thin specular line), the whole band lit from the upper left;
    straight-alpha BGRA ``uint8``, 4 rows high (the ribbon averages the rows)."""
    u = (np.arange(width) + 0.5) / width
    n = len(colours)
    band = np.minimum((u * n).astype(int), n - 1)
    v = u * n - band  # 0..1 across each band
    base = np.stack([bgr(c) for c in colours])[band]  # (W, 3) BGR in [0, 1]
    tube = 0.72 + 0.34 * np.sin(np.pi * v) ** 0.7  # each band is a rounded tube
    seam = 1.0 - 0.28 * (np.exp(-((v / 0.07) ** 2)) + np.exp(-(((1 - v) / 0.07) ** 2)))
    whole = 0.82 + 0.18 * np.sin(np.pi * u) ** 0.5  # the ribbon darkens towards its edges
    colour = base * (tube * seam * whole)[:, None]
    spec = 0.6 * np.exp(-(((v - 0.3) / 0.09) ** 2)) + 0.35 * np.exp(-(((u - 0.28) / 0.09) ** 2))
    colour = colour + (1 - colour) * np.clip(spec, 0, 1)[:, None]
    edge = np.clip(np.minimum(u, 1 - u) * width / 1.5, 0, 1)  # 1.5-pixel anti-aliased borders
    img = np.concatenate([colour, edge[:, None]], 1)
    row = np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)
    return np.repeat(row[None], 4, 0)


# ----------------------------------------------------------------------------- lenses


def draw_rainbow() -> FilterArt:
    """A glossy rainbow pours from the mouth while it is open, glinting as it falls."""
    flow = {"anchor": [61, 62, 63], "trigger": "mouth_open", "emit": "while", "lifetime": 1.1,
            "velocity": [0.0, 1.6], "wave": [14, 0.9], "gravity": [0.0, 6.0]}  # fmt: skip
    ribbon = particles("rainbow", ribbon_cross_section(RAINBOW), 40, {
        **flow, "rate": 40, "size": 0.3, "grow": 3.2, "fade_in": 0.03, "fade_out": 0.35, "max_particles": 80,
        "style": "ribbon"})  # fmt: skip
    tints = ["#ffffff", "#fff3b0", "#d9f1ff"]
    glints = _sprite_frames(lambda c, tint: _sparkle(c, (31.5, 31.5), 26, tint, pinch=3.4), tints, 64)
    sparkle = particles("glints", glints, 41, {
        **flow, "rate": 14, "area": [0.12, 0.0], "size": 0.16, "size_jitter": 0.4, "grow": 2.0,
        "angle_jitter": 45, "spin": 0, "spin_jitter": 240, "fade_in": 0.1, "fade_out": 0.4, "max_particles": 40,
        "seed": 1})  # fmt: skip
    return FilterArt("rainbow", "Rainbow", "Open your mouth wide: a rainbow pours out.", 200, [ribbon, sparkle],
                     thumb_centre_y=0.75, thumb_span=2.7, thumb_mouth_open=0.3)  # fmt: skip


HEART_COLOURS = [
    ("#ff8fb1", "#ff2d6f", "#b0003a"),  # (light, mid, deep): raspberry
    ("#ffb3d1", "#ff5c9d", "#c2185b"),  # pink
    ("#ff9a9a", "#f0233c", "#9c0a1e"),  # red
]


def _heart_eye_frames() -> list[Sheet]:
    """Two big hearts over the eyes, popping in: scale 0.25 -> 1.15 -> 1."""
    eyes = [T[36:42].mean(0), T[42:48].mean(0)]
    frames = []
    for k in (0.25, 0.55, 0.85, 1.08, 1.15, 1.08, 1.0):
        s = Sheet(-0.85, -0.45, 0.85, 0.35, 420)
        for e in eyes:
            _glossy_heart(s.c, s.p(e + (0.0, -0.02)), s.u(0.42 * k), HEART_COLOURS[0])
        frames.append(s)
    return frames


def draw_hearts() -> FilterArt:
    """Smile: heart eyes pop in and hearts float up around the face."""
    eyes = animated_sticker("heart_eyes", _heart_eye_frames(), [36, 45], 30, 24,
                            animation={"loop": "once", "trigger": "smile", "play": "while", "fade": 0.08})  # fmt: skip
    hearts = _sprite_frames(lambda c, col: _glossy_heart(c, (63.5, 60.0), 108, col), HEART_COLOURS, 128)
    rise = {"trigger": "smile", "emit": "while", "rate": 7, "lifetime": 2.0, "lifetime_jitter": 0.25,
            "area": [0.12, 0.25], "velocity": [0.0, -0.9], "spread": 50, "speed_jitter": 0.4, "gravity": [0.0, -0.9],
            "drag": 0.6, "size": 0.3, "size_jitter": 0.35, "grow": 1.25, "angle_jitter": 20, "spin_jitter": 40,
            "fade_in": 0.2, "fade_out": 0.6, "max_particles": 40}  # fmt: skip
    left = particles("hearts", hearts, 35, {**rise, "anchor": [2, 3], "offset": [-0.15, 0.0]})
    right = {**left.entry, "name": "hearts_right", "emitter": {**rise, "anchor": [13, 14], "offset": [0.15, 0.0],
                                                             "seed": 1}}  # fmt: skip
    return FilterArt("hearts", "Hearts", "Smile: heart eyes, and hearts float up.", 210,
                     [eyes, left, LayerArt(right, None)],
                     thumb_centre_y=0.05, thumb_span=2.9, thumb_smile=0.07)  # fmt: skip


def _star_frames(centre: np.ndarray) -> list[Sheet]:
    """A sparkle by the eye: grows, turns 45 degrees, shrinks (16 frames)."""
    frames = []
    n = 16
    for i in range(n):
        x = i / (n - 1)
        k = float(np.sin(np.pi * x) ** 0.7)
        s = Sheet(centre[0] - 0.5, centre[1] - 0.5, centre[0] + 0.5, centre[1] + 0.5, 300)
        if k > 0.02:
            _sparkle(s.c, s.p(centre), s.u(0.46 * k), "#ffcf3a", angle=45 * x, glow=1.3 * k)
        frames.append(s)
    return frames


def draw_sparkle() -> FilterArt:
    """Wink: a star twinkles by the winking eye and glitter bursts from it; a little glitter
    always drifts around the head."""
    tints = ["#ffffff", "#fff1a8", "#ffc9e6", "#c9f0ff"]
    glitter = _sprite_frames(lambda c, tint: _sparkle(c, (31.5, 31.5), 26, tint, pinch=3.6), tints, 64)
    layers = []
    for side, eye, corner, event in ((-1, list(range(36, 42)), [36, 39], "wink_right"),
                                     (1, list(range(42, 48)), [42, 45], "wink_left")):  # fmt: skip
        centre = T[eye].mean(0) + (side * 0.3, -0.2)
        name = "star_right" if side < 0 else "star_left"
        star = animated_sticker(name, _star_frames(centre), corner, 40, 24,
                                animation={"loop": "once", "trigger": event, "play": "on", "still": 7})  # fmt: skip
        burst = {"anchor": eye, "offset": [side * 0.12, -0.05], "trigger": event, "emit": "once", "burst": 16,
                 "lifetime": 0.9, "lifetime_jitter": 0.3, "velocity": [side * 1.4, -0.8], "spread": 160,
                 "speed_jitter": 0.6, "gravity": [0.0, 1.5], "drag": 2.0, "size": 0.14, "size_jitter": 0.5,
                 "angle_jitter": 45, "spin_jitter": 360, "fade_out": 0.4, "max_particles": 64,
                 "seed": 2 if side < 0 else 3}  # fmt: skip
        layers += [star, LayerArt({"name": f"burst_{name.split('_')[1]}", "placement": "particles",
                                   "image": "glitter.png", "z": 41, "emitter": burst}, None)]  # fmt: skip
    ambient = particles("glitter", glitter, 20, {
        "anchor": [27], "offset": [0.0, -0.55], "area": [1.15, 0.55], "rate": 7, "lifetime": 2.2,
        "lifetime_jitter": 0.3, "velocity": [0.0, 0.1], "spread": 360, "speed_jitter": 1.0, "gravity": [0.0, 0.08],
        "size": 0.1, "size_jitter": 0.5, "angle_jitter": 45, "spin_jitter": 90, "fade_in": 0.6, "fade_out": 0.8,
        "max_particles": 30, "seed": 4})  # fmt: skip
    return FilterArt("sparkle", "Sparkle", "Glitter in the air; wink for a twinkle.", 220, [ambient, *layers],
                     thumb_centre_y=-0.05, thumb_span=2.7, thumb_wink=True)  # fmt: skip
