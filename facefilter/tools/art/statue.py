"""The marble statue: a face the project renders itself, the source of the ``marble_statue`` swap filter.

The face is a height field carved the way a sculptor works a classical bust, every feature placed
at the template's 68 points (:data:`facefilter.filters.geometry.TEMPLATE_68`), so the swap, which
warps by them, finds each one where it was carved:

* the head's mass: rows of superelliptic section (flat in front, turning back to the jaw line,
  which is the silhouette) along a profile of the forehead, nasion, muzzle and chin, the neck
  behind; a brow arch, cheekbones, soft folds from the nose's wings, a chin;
* eyes as balls in sockets hollowed under the brows, under lids of real thickness (a crisp step
  along the eye contour, the upper lid shading the ball), a fold above the upper lid, the inner
  corner filled, an incised iris and a drilled, bean-shaped pupil;
* a nose of flat bridge planes rounding into the tip, the wings swelling from a broad lobule
  (the alar creases are its steep edge), its underside turned down to the line 31-35, nostrils
  drilled above that line, a philtrum of two columns down to the cupid's bow;
* lips with a crisp vermilion edge on the outer lip points, rolling in at the inner points; the
  narrow gap between those in shadow, a drilled line along it deepening into dark corners;
* ears, and snail curls over the hair.

It is lit like polished marble (a soft key from above casting soft shadows, a weak fill,
multi-scale cavity occlusion with grime settled in the hollows, a satin gloss, light scattered
under the surface) over a veined white stone, at twice the output resolution and reduced, so
edges stay crisp without aliasing.

Conventions: images BGR(A) ``uint8``; points are pixels (origin at the centre of the top-left
pixel, y down) or template units (the outer eye corners at x = -0.5 and 0.5, y down); depth is
in template units or pixels and grows away from the viewer (negative: nearer).
"""

from __future__ import annotations

import json

import cv2
import numpy as np

from facefilter.filters import geometry
from facefilter.tools.art.paint import spline
from facefilter.tools.art.sheet import FilterArt, LayerArt

WIDTH, HEIGHT = 480, 600
K = 150.0  # pixels per template unit (the distance between the outer eye corners)
EYES_AT = (WIDTH / 2 - 0.5, 250.0)  # where the template's origin (mid eye corners) lands
SS = 2  # the height field and its shading are computed at SS x the output resolution
MARBLE = np.array([222, 230, 236], np.float32) / 255  # BGR: a warm white stone
VEIN = np.array([148, 146, 140], np.float32) / 255
GRIME = np.array([0.7, 0.76, 0.82], np.float32)  # BGR factor of the stone in deep hollows: a warm grey
KEY = np.array([-0.15, -0.75, -0.64])  # towards the key light (x right, y down, z away): above, a little left
FILL = np.array([0.55, 0.1, -0.83])  # a weak fill from the right


# ----------------------------------------------------------------------------- the grid and shapes


class _Field:
    """A depth field (template units, nearer < 0) over the supersampled output grid.

    ``u``, ``v`` are the template coordinates of every supersampled pixel's centre.
    Features are added in windows around them, so each costs only its own area.
    """

    def __init__(self) -> None:
        self.h, self.w = HEIGHT * SS, WIDTH * SS
        x = (np.arange(self.w, dtype=np.float32) + 0.5) / SS - 0.5
        y = (np.arange(self.h, dtype=np.float32) + 0.5) / SS - 0.5
        self.u1 = (x - EYES_AT[0]) / K
        self.v1 = (y - EYES_AT[1]) / K
        self.z = np.zeros((self.h, self.w), np.float32)
        self.dark = np.zeros((self.h, self.w), np.float32)  # extra occlusion of drilled holes, 0..1

    def window(self, lo: np.ndarray, hi: np.ndarray) -> tuple[tuple[slice, slice], np.ndarray, np.ndarray]:
        """The grid's slice covering template box ``lo``..``hi`` and the ``u``, ``v`` there."""
        x0, x1 = np.searchsorted(self.u1, [lo[0], hi[0]])
        y0, y1 = np.searchsorted(self.v1, [lo[1], hi[1]])
        sl = (slice(int(y0), int(y1)), slice(int(x0), int(x1)))
        u, v = np.meshgrid(self.u1[sl[1]], self.v1[sl[0]])
        return sl, u, v

    def poly_mask(self, sl: tuple[slice, slice], poly: np.ndarray, soft: float = 0.6) -> np.ndarray:
        """Anti-aliased coverage (0..1) of polygon ``poly`` (template units) over the window ``sl``."""
        h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        px = (poly[:, 0] * K + EYES_AT[0] + 0.5) * SS - 0.5 - sl[1].start
        py = (poly[:, 1] * K + EYES_AT[1] + 0.5) * SS - 0.5 - sl[0].start
        m = np.zeros((h, w), np.float32)
        cv2.fillPoly(m, [np.round(np.stack([px, py], 1) * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
        return cv2.GaussianBlur(m, (0, 0), soft) if soft > 0 else m


def _seg_dist(u: np.ndarray, v: np.ndarray, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from every ``(u, v)`` to the polyline ``pts`` ``(M, 2)``, and the arc-length
    parameter (0..1) of the nearest point."""
    best = np.full(u.shape, np.inf, np.float32)
    along = np.zeros(u.shape, np.float32)
    seg = np.diff(pts, axis=0)
    lengths = np.linalg.norm(seg, axis=1)
    start = np.concatenate([[0.0], np.cumsum(lengths)])
    total = max(start[-1], 1e-9)
    for (ax, ay), (dx, dy), s0, ln in zip(pts[:-1], seg, start[:-1], lengths, strict=True):
        t = np.clip(((u - ax) * dx + (v - ay) * dy) / max(ln * ln, 1e-12), 0, 1)
        d = np.hypot(u - ax - t * dx, v - ay - t * dy)
        closer = d < best
        best = np.where(closer, d, best)
        along = np.where(closer, (s0 + t * ln) / total, along)
    return best, along


def _smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0, 1)
    return t * t * (3 - 2 * t)


def _arch(t: np.ndarray) -> np.ndarray:
    """0 at both ends of ``t`` in 0..1, 1 in the middle (a half sine), never negative."""
    return np.maximum(np.sin(np.pi * np.clip(t, 0, 1)), 0)


def _smin(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Smooth minimum (the nearer of two surfaces, blended over ``k``)."""
    h = np.clip(0.5 + 0.5 * (b - a) / k, 0, 1)
    return b + (a - b) * h - k * h * (1 - h)


def _bump(u: np.ndarray, v: np.ndarray, c: tuple[float, float], r: tuple[float, float], power: float = 2.0,
          angle: float = 0.0) -> np.ndarray:  # fmt: skip
    """A dome 1 at ``c`` falling to 0 at the ellipse of radii ``r`` (template units), ``(1 - d^2)^power``."""
    ca, sa = np.cos(angle), np.sin(angle)
    du, dv = u - c[0], v - c[1]
    d2 = ((ca * du + sa * dv) / r[0]) ** 2 + ((-sa * du + ca * dv) / r[1]) ** 2
    return np.clip(1 - d2, 0, 1) ** power


# ----------------------------------------------------------------------------- the carving


def statue_landmarks() -> np.ndarray:
    """The statue's ``(68, 2)`` float64 landmarks in image pixels: the template, scaled and placed."""
    return geometry.TEMPLATE_68 * K + EYES_AT


# The head's mass, row by row (template y -> value): the midline's depth without nose or lips, the
# half-width of the face (just outside the jaw line, which is the silhouette) and how far back
# the sides are from the midline.
_PROFILE = ((-1.5, 0.62), (-1.25, 0.32), (-1.0, 0.04), (-0.7, -0.13), (-0.45, -0.2), (-0.25, -0.235),
            (-0.05, -0.2), (0.2, -0.2), (0.5, -0.215), (0.7, -0.2), (0.88, -0.145), (1.0, -0.115),
            (1.15, -0.11), (1.25, -0.06), (1.33, 0.06), (1.4, 0.3), (1.5, 1.2))  # fmt: skip
_HALF_WIDTH = ((-1.5, 0.15), (-1.25, 0.5), (-1.0, 0.7), (-0.6, 0.84), (-0.2, 0.87), (0.02, 0.85),
               (0.23, 0.83), (0.44, 0.8), (0.65, 0.74), (0.84, 0.66), (1.01, 0.55), (1.16, 0.4),
               (1.28, 0.22), (1.36, 0.05))  # fmt: skip
_SIDE_DEPTH = ((-1.5, 0.3), (-1.0, 0.6), (-0.5, 0.78), (0.0, 0.8), (0.5, 0.72), (0.9, 0.58), (1.2, 0.4), (1.36, 0.2))
_SQUARENESS = ((-1.0, 2.6), (-0.3, 2.6), (0.3, 2.3), (0.8, 2.0), (1.3, 2.0))  # of the cross-section (2: an ellipse)
NECK = (0.72, 0.5)  # the neck's half-width and the depth of its front (template units)


def _table(knots: tuple[tuple[float, float], ...], v: np.ndarray, sigma: float = 0.06) -> np.ndarray:
    """``knots`` (y, value) linearly interpolated at ``v`` (1-D, increasing) and smoothed by ``sigma`` units."""
    k = np.array(knots, np.float64)
    vals = np.interp(v, k[:, 0], k[:, 1]).astype(np.float32)
    step = float(v[1] - v[0])
    return cv2.GaussianBlur(vals[None], (0, 0), sigma / step, borderType=cv2.BORDER_REPLICATE)[0]


def _mass(f: _Field) -> None:
    """The smooth mass of the head, added to ``f.z``: rows of superelliptic section (flat in front,
    turning back towards the jaw line), the neck a cylinder behind it."""
    v = f.v1
    front, half, side, power = (_table(k, v) for k in (_PROFILE, _HALF_WIDTH, _SIDE_DEPTH, _SQUARENESS))
    x = np.abs(f.u1)[None, :] / half[:, None]
    p = power[:, None]
    g = 1 - np.clip(1 - np.clip(x, 0, 1) ** p, 0, 1) ** (1 / p)
    face = front[:, None] + side[:, None] * g + 2.0 * np.clip(x - 1, 0, None)
    xn = np.clip(np.abs(f.u1) / NECK[0], 0, 1.2)[None, :]
    neck = NECK[1] + 0.45 * (1 - np.sqrt(np.clip(1 - xn**2, 0, 1))) + 0.5 * np.clip(xn - 1, 0, None)
    f.z += _smin(face, np.broadcast_to(neck, face.shape), 0.04)


def _ring(d: np.ndarray, width: float) -> np.ndarray:
    """A compact smooth bump of distance ``d``: 1 at 0, 0 from ``width`` on."""
    return np.clip(1 - (d / width) ** 2, 0, 1) ** 2


def _brows_and_cheeks(f: _Field, t: np.ndarray) -> None:
    """The brows' arches (their lower edge is cut by the eye sockets, :func:`_eye`), cheekbones with
    a soft hollow under them, the folds beside the mouth, the glabella, the chin and the groove above it."""
    for side in (-1, 1):
        brow = t[17:22] if side < 0 else t[22:27][::-1]  # inner end last
        curve = spline(brow + [0, 0.02])
        sl, u, v = f.window(curve.min(0) - 0.16, curve.max(0) + 0.16)
        d, along = _seg_dist(u, v, curve)
        f.z[sl] -= 0.03 * _ring(d, 0.13) * _arch(0.1 + 0.8 * along) ** 0.5  # the brow's arch, level and calm
        # Cheekbone, and a soft hollow under it.
        sl, u, v = f.window(np.array([side * 0.5 - 0.32, 0.0]), np.array([side * 0.5 + 0.32, 0.9]))
        f.z[sl] -= 0.028 * _bump(u, v, (side * 0.48, 0.28), (0.3, 0.2), 2.0, -side * 0.35)
        f.z[sl] += 0.018 * _bump(u, v, (side * 0.5, 0.62), (0.16, 0.2), 2.0, side * 0.3)
    for side in (-1, 1):  # the folds from the nose's wings past the mouth: the cheek stands a little proud
        fold = spline(np.array([[0.19, 0.45], [0.26, 0.58], [0.33, 0.72], [0.37, 0.86]]) * [side, 1])
        sl, u, v = f.window(fold.min(0) - 0.12, fold.max(0) + 0.12)
        d, along = _seg_dist(u, v, fold)
        outside = _smoothstep(-0.03, 0.03, (u - np.interp(v, fold[:, 1], fold[:, 0])) * side)
        f.z[sl] -= 0.007 * _ring(d, 0.1) * outside * _arch(along)
    sl, u, v = f.window(np.array([-0.2, -0.3]), np.array([0.2, 0.15]))
    f.z[sl] -= 0.02 * _bump(u, v, (0.0, -0.12), (0.2, 0.12), 2.0)  # glabella, joining the brows smoothly
    sl, u, v = f.window(np.array([-0.4, 0.85]), np.array([0.4, 1.4]))
    f.z[sl] -= 0.045 * _bump(u, v, (0.0, 1.16), (0.26, 0.16), 2.0)  # chin
    f.z[sl] += 0.015 * _bump(u, v, (0.0, 1.0), (0.2, 0.06), 2.0)  # the groove above it


def _eye(f: _Field, t: np.ndarray, side: int) -> None:
    """One eye: a ball in its socket under thick lids, the iris incised, the pupil drilled."""
    eye = t[36:42] if side < 0 else t[42:48]
    contour = spline(eye, closed=True)
    c = eye.mean(0)
    width = float(np.linalg.norm(eye[3] - eye[0]))
    sl, u, v = f.window(c - [0.34, 0.28], c + [0.34, 0.24])
    centre = np.unravel_index(np.argmin((u - c[0]) ** 2 + (v - c[1]) ** 2), u.shape)
    front = float(f.z[sl][centre]) + 0.01  # the ball's front: a little behind the face's plane
    # The socket: a hollow under the brow's edge (crisp there, deepest under its inner end) and
    # beside the nose, fading into the cheek; the lids sit in it.
    brow = spline((t[17:22] if side < 0 else t[22:27]) + [0, 0.035])
    order = np.argsort(brow[:, 0])
    edge = _smoothstep(-0.01, 0.045, v - np.interp(u, brow[order, 0], brow[order, 1]))
    socket = edge * _bump(u, v, (c[0] - side * 0.01, c[1] - 0.04), (0.26, 0.16), 2.0)
    inner = _bump(u, v, (c[0] - side * 0.1, c[1] - 0.06), (0.1, 0.08), 1.5)
    base = f.z[sl] + (0.06 + 0.015 * inner) * socket
    # The ball: a sphere.
    radius = 0.75 * width
    r2 = (u - c[0]) ** 2 + ((v - c[1] + 0.01) / 0.8) ** 2  # a little flattened: an almond, not a goggle
    ball = front + radius - np.sqrt(np.clip(radius**2 - r2, 0, None))
    ball = np.where(r2 < radius**2, ball, front + radius + np.sqrt(np.maximum(r2 - radius**2, 0)) * 3)
    # The lids: a shell over the ball, thicker above, blended into the socket.
    above = c[1] + (u - c[0]) * (eye[3, 1] - eye[0, 1]) / (eye[3, 0] - eye[0, 0]) - v
    upper = _smoothstep(-0.02, 0.02, above)
    shell = ball - 0.012 - 0.016 * upper
    lids = _smin(base, shell, 0.07)
    # A fold above the upper lid, following the contour's top at a lid's height.
    top = spline(eye[[0, 1, 2, 3]]) + [0, -0.048]
    top[:, 1] -= 0.012 * np.sin(np.linspace(0, np.pi, len(top)))
    d, along = _seg_dist(u, v, top)
    fade = _arch(along) ** 0.5
    lids += 0.01 * _ring(d, 0.016) * fade * upper
    # Under the lower lid, a faint fold as well.
    bottom = spline(eye[[3, 4, 5, 0]]) + [0, 0.035]
    d, along = _seg_dist(u, v, bottom)
    lids += 0.005 * _ring(d, 0.016) * _arch(along)
    opening = f.poly_mask(sl, contour, 0.7)
    # The caruncle fills the inner corner.
    inner_corner = eye[3] if side < 0 else eye[0]
    ball -= 0.03 * _bump(u, v, (float(inner_corner[0]) + side * 0.012, float(inner_corner[1])), (0.035, 0.025), 1.5)
    # The iris, incised and slightly dished, and a drilled pupil, bean-shaped: a lip of stone
    # left at its top, where a real eye would catch the light.
    ic = c + [0.0, -0.01]
    ri = 0.27 * width
    dr = np.hypot(u - ic[0], v - ic[1])
    ring = _ring(dr - ri, 0.007)
    iris = ball + 0.005 * ring + 0.004 * np.clip(1 - dr / ri, 0, 1)
    rp = 0.42 * ri
    pupil = np.clip((rp - dr) / 0.005, 0, 1)
    notch = np.clip((0.45 * rp - np.hypot(u - ic[0] - side * 0.15 * rp, v - ic[1] + 0.75 * rp)) / 0.004, 0, 1)
    pupil *= 1 - notch
    iris += 0.025 * pupil
    carved = (lids + (iris - lids) * opening - f.z[sl]).astype(np.float32)
    f.z[sl] += cv2.GaussianBlur(carved, (0, 0), 0.8)
    f.dark[sl] = np.maximum(f.dark[sl], (0.55 * pupil + 0.3 * ring) * opening)
    # The crease where the lids meet the ball stays dark, and the upper lid shades the ball under it.
    d_edge, _ = _seg_dist(u, v, np.concatenate([contour, contour[:1]]))
    d_top, _ = _seg_dist(u, v, spline(eye[[0, 1, 2, 3]]))
    shade = 0.12 + 0.25 * _ring(d_top, 0.03) + 0.2 * _ring(d_edge, 0.008)
    f.dark[sl] = np.maximum(f.dark[sl], shade * opening)


def _nose(f: _Field, t: np.ndarray) -> None:
    """A dorsum of flat planes rounding into the tip, the wings joined to it by creases, the
    underside turned down to the line 31-35, drilled nostrils, and the philtrum below."""
    sl, u, v = f.window(np.array([-0.3, -0.25]), np.array([0.3, 0.75]))
    top, tip, bottom_y = float(t[27, 1]), float(t[30, 1]), float(t[33, 1])
    s = (v - top) / (tip - top)  # 0 at the nasion, 1 at the tip
    flat = np.interp(s, [-0.3, 0.0, 0.5, 1.0], [0.04, 0.03, 0.032, 0.05])  # half-width of the bridge's top
    foot = np.interp(s, [-0.3, 0.0, 0.5, 1.0], [0.12, 0.12, 0.15, 0.17])  # ... and where its sides meet the face
    height = np.interp(s, [-0.45, 0.0, 0.5, 1.0, 1.2], [0.0, 0.02, 0.065, 0.11, 0.12])
    section = 1 - _smoothstep(0.0, 1.0, (np.abs(u) - flat) / (foot - flat))
    nose = height * section
    # The lobule: the broad lower nose, steep all round (the alar creases), wings swelling at its sides.
    lobule = _bump(u, v, (0.0, tip + 0.045), (0.18, 0.105), 0.45)
    wings = sum(_bump(u, v, (side * 0.125, tip + 0.055), (0.065, 0.06), 1.5) for side in (-1, 1))
    groove = sum(_bump(u, v, (side * 0.078, tip + 0.02), (0.018, 0.07), 2.0, side * 0.5) for side in (-1, 1))
    nose = np.maximum(nose, lobule * (0.06 + 0.025 * wings - 0.01 * groove))
    # The tip: a ball's worth more at 30; everything falls away at the bottom curve 31-35.
    nose += 0.022 * _bump(u, v, (0.0, tip + 0.012), (0.1, 0.09), 1.5)
    bottom = spline(t[31:36])
    y_bottom = np.interp(u, bottom[:, 0], bottom[:, 1])
    nose *= _smoothstep(0.0, 0.09, y_bottom - v + 0.006)
    f.z[sl] -= cv2.GaussianBlur(nose.astype(np.float32), (0, 0), 0.7)
    # Nostrils: drilled ovals above 31-33 and 33-35, tilted along the nose's bottom.
    for a, b, side in ((31, 33, -1), (35, 33, 1)):
        pa, pb = t[a], t[b]
        centre = pa + 0.5 * (pb - pa) + [-side * 0.006, -0.016]
        angle = float(np.arctan2(pb[1] - pa[1], pb[0] - pa[0]))
        hole = _bump(u, v, tuple(centre), (0.032, 0.011), 0.5, angle)
        f.z[sl] += 0.03 * hole
        f.dark[sl] = np.maximum(f.dark[sl], 0.3 * np.clip(hole * 2.0, 0, 1))
    # Philtrum: two columns from under the nose down to the cupid's bow, a groove between.
    for side in (-1, 1):
        col = np.array([[side * 0.025, bottom_y + 0.02], [side * 0.062, t[50, 1] - 0.004]])
        d, _ = _seg_dist(u, v, col)
        f.z[sl] -= 0.006 * _ring(d, 0.04)
    f.z[sl] += 0.004 * _bump(u, v, (0.0, 0.63), (0.03, 0.06), 2.0)


def _lip(f: _Field, sl: tuple[slice, slice], u: np.ndarray, v: np.ndarray, outer: np.ndarray, inner: np.ndarray,
         height: float, peak: float, edge: float) -> np.ndarray:  # fmt: skip
    """A lip's rise over the band between its ``outer`` edge and the mouth line ``inner`` (polylines,
    template units, corner to corner): fullest ``peak`` of the way across, rising from the skin
    with exponent ``edge`` (under 1: a crisp border), rolling steeply into the mouth line, and
    thinner where the band is thinner."""
    d_out, _ = _seg_dist(u, v, outer)
    d_in, _ = _seg_dist(u, v, inner)
    inside = f.poly_mask(sl, np.concatenate([outer, inner[::-1]]), 0.5)
    s = np.clip(d_out / np.maximum(d_out + d_in, 1e-6), 0, 1)
    rise = 1 - np.clip((peak - s) / peak, 0, 1) ** 2
    fall = 1 - np.clip((s - peak) / (1 - peak), 0, 1) ** 2
    profile = np.where(s < peak, rise**edge, fall**0.5)
    thick = np.clip((d_out + d_in) / 0.08, 0, 1) ** 0.7
    return height * profile * thick * inside


def _mouth(f: _Field, t: np.ndarray) -> None:
    """Lips with a sharp vermilion border and a cupid's bow on the landmarks, rolling in at the
    inner lip points; the narrow gap between those is in shadow, with a drilled line along it that
    deepens into dark corners (when a face closes its mouth the gap closes and the lips' rolled
    edges meet as the parting)."""
    sl, u, v = f.window(np.array([-0.45, 0.55]), np.array([0.45, 1.05]))
    upper_out = spline(t[48:55], samples=12)
    upper_in = spline(t[[48, 60, 61, 62, 63, 64, 54]], samples=12)
    lower_out = spline(t[[48, 59, 58, 57, 56, 55, 54]], samples=12)
    lower_in = spline(t[[48, 60, 67, 66, 65, 64, 54]], samples=12)
    line = spline(np.concatenate([t[48:49], (t[[61, 62, 63]] + t[[67, 66, 65]]) / 2, t[54:55]]), samples=12)
    z = f.z[sl]
    lips = _lip(f, sl, u, v, upper_out, upper_in, 0.04, 0.5, 0.8)
    lips += _lip(f, sl, u, v, lower_out, lower_in, 0.045, 0.45, 1.0)
    gap = f.poly_mask(sl, np.concatenate([upper_in, lower_in[::-1]]), 0.8)
    z += cv2.GaussianBlur((0.02 * gap - lips).astype(np.float32), (0, 0), 1.0)
    f.dark[sl] = np.maximum(f.dark[sl], 0.3 * gap)
    # The drilled line, darkest and deepest at the corners.
    d, along = _seg_dist(u, v, line)
    corner = 1 - _arch(along) ** 0.5
    groove = _ring(d, 0.01 + 0.004 * corner)
    z += (0.02 + 0.015 * corner) * groove
    f.dark[sl] = np.maximum(f.dark[sl], (0.3 + 0.25 * corner) * groove)
    for i in (48, 54):
        pit = _bump(u, v, (float(t[i, 0]), float(t[i, 1])), (0.012, 0.009), 1.0)
        z += 0.015 * pit
        f.dark[sl] = np.maximum(f.dark[sl], 0.45 * np.clip(pit * 2, 0, 1))
    # The shadow under the lower lip.
    lip_bottom = spline(t[[55, 56, 57, 58, 59]]) + [0, 0.025]
    d, along = _seg_dist(u, v, lip_bottom)
    z += 0.012 * _ring(d, 0.035) * _arch(along) ** 0.5


def statue_depth() -> tuple[np.ndarray, np.ndarray]:
    """The carved face: depth ``(HEIGHT * SS, WIDTH * SS)`` float32 in template units (nearer < 0)
    over the supersampled grid, and the extra darkness (0..1) of its drilled holes."""
    f = _Field()
    t = geometry.TEMPLATE_68
    _mass(f)
    _brows_and_cheeks(f, t)
    _nose(f, t)
    _mouth(f, t)
    for side in (-1, 1):
        _eye(f, t, side)
        _ear(f, side)
    return f.z, f.dark


# ----------------------------------------------------------------------------- stone and hair


def _noise(rng: np.random.Generator, scales: tuple[int, ...], shape: tuple[int, int]) -> np.ndarray:
    """Smooth value noise in [-1, 1]-ish over ``shape``: grids of ``scales`` cells, bicubic, summed."""
    h, w = shape
    out = np.zeros(shape, np.float32)
    amp = 1.0
    for s in scales:
        grid = rng.normal(0, 1, (s + 3, round(s * w / h) + 3)).astype(np.float32)
        layer = cv2.resize(grid, (w, h), interpolation=cv2.INTER_LINEAR)
        out += amp * cv2.GaussianBlur(layer, (0, 0), 0.4 * h / (s + 3))  # smooth across the cells' edges
        amp *= 0.5
    return out / 1.6


def marble_albedo(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Veined white marble, ``shape + (3,)`` float32 BGR in [0, 1]: a few long grey veins wandering
    along a diagonal, a fine branching network of fainter ones, cloudy warm and cool patches."""
    h, w = shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float32) * (HEIGHT / h)
    phase = (0.55 * x + 0.8 * y) / 60.0 + 1.3 * _noise(rng, (3, 6, 12, 24), shape)
    veins = np.clip(1 - np.abs(np.sin(phase)) / 0.035, 0, 1)
    veins *= np.clip(_noise(rng, (2, 4), shape) * 1.2 + 0.35, 0, 1)  # the veins fade in and out
    network = np.clip(1 - np.abs(_noise(rng, (5, 10, 20), shape)) / 0.06, 0, 1) ** 2  # ridges of noise: they branch
    network *= np.clip(_noise(rng, (2, 3), shape) + 0.3, 0, 1)
    v = cv2.GaussianBlur(0.4 * veins + 0.22 * network, (0, 0), 0.8 * h / HEIGHT)
    cloud = 0.025 * _noise(rng, (3, 6, 12), shape)
    warm = 0.015 * _noise(rng, (2, 4), shape)  # cream against grey
    base = MARBLE[None, None] * (1 + cloud)[..., None]
    base = base * (1 + warm[..., None] * np.array([-1.0, 0.0, 0.8], np.float32))
    return np.clip(base * (1 - v[..., None]) + VEIN[None, None] * v[..., None], 0, 1)


def hair_depth(rng: np.random.Generator, region: np.ndarray, unit: float) -> np.ndarray:
    """Carved snail curls (a depth offset in pixels of ``region``'s grid; negative: nearer) packed
    over the hair ``region`` (0..1); ``unit`` is that grid's pixels per template unit."""
    out = np.zeros(region.shape, np.float32)
    ys, xs = np.nonzero(region > 0.5)
    if len(xs) == 0:
        return out
    h, w = region.shape
    r0 = 0.1 * unit
    half = int(np.ceil(1.3 * r0))
    yy, xx = np.mgrid[-half : half + 1, -half : half + 1].astype(np.float32)
    for i in rng.permutation(len(xs))[:1200]:
        cx, cy = int(xs[i]), int(ys[i])
        if out[cy, cx] < -0.3 * r0:  # already covered by a curl
            continue
        r = r0 * rng.uniform(0.8, 1.15)
        d = np.sqrt(xx**2 + yy**2) / r
        dome = np.sqrt(np.clip(1 - d**2, 0, 1)) * r * 0.7
        angle = np.arctan2(yy, xx) + rng.uniform(0, 2 * np.pi)
        groove = 0.2 * r * np.clip(1 - d, 0, 1) * (0.5 + 0.5 * np.cos(2 * np.pi * 1.6 * d + angle))
        curl = -(dome - groove)
        y0, y1, x0, x1 = cy - half, cy + half + 1, cx - half, cx + half + 1
        sy0, sx0 = max(0, -y0), max(0, -x0)
        sy1, sx1 = 2 * half + 1 - max(0, y1 - h), 2 * half + 1 - max(0, x1 - w)
        win = out[max(0, y0) : min(h, y1), max(0, x0) : min(w, x1)]
        np.minimum(win, curl[sy0:sy1, sx0:sx1], out=win)
    return cv2.GaussianBlur(out, (0, 0), 0.6 * unit / K) * region


# The left ear's outline (template units), top round the outer rim to the lobe, then back up
# along the head; the right ear is its mirror image.
_EAR = np.array([[-0.84, -0.1], [-0.9, -0.125], [-0.955, -0.07], [-0.982, 0.05], [-0.975, 0.19], [-0.95, 0.32],
                 [-0.915, 0.43], [-0.875, 0.475], [-0.84, 0.43], [-0.82, 0.3], [-0.815, 0.1]])  # fmt: skip
_EAR_RIM = 8  # the first points are the outer rim


def _ear(f: _Field, side: int) -> None:
    """One ear beside the head (seen nearly edge-on): a rim round a hollow, in front of the head's side."""
    outline = spline(_EAR * [-side, 1], closed=True)
    sl, u, v = f.window(outline.min(0) - 0.03, outline.max(0) + 0.03)
    inside = f.poly_mask(sl, outline, 1.0)
    d, _ = _seg_dist(u, v, np.concatenate([outline, outline[:1]]))
    rim = _smoothstep(0.0, 0.02, d) - 0.5 * _smoothstep(0.02, 0.05, d)
    concha = _bump(u, v, (side * 0.895, 0.2), (0.035, 0.11), 1.0)
    ear = 0.6 - 0.05 * rim + 0.03 * concha
    f.z[sl] += (np.minimum(f.z[sl], ear) - f.z[sl]) * inside
    f.dark[sl] = np.maximum(f.dark[sl], 0.3 * concha * inside)


def _bust_outline(lm: np.ndarray) -> np.ndarray:
    """The bust's silhouette in pixels: the skull, the ears, the jaw line, the neck."""
    c = np.array([WIDTH / 2 - 0.5, lm[27, 1] - 0.05 * K])
    t = np.linspace(np.pi * 1.02, 2 * np.pi * 0.99, 40)
    skull = np.stack([c[0] + 0.98 * K * np.cos(t), c[1] + 1.18 * K * np.sin(t)], 1)
    neck = np.array([[lm[11, 0] - 0.06 * K, lm[11, 1] + 0.3 * K], [lm[11, 0] + 0.1 * K, HEIGHT + 2.0],
                     [lm[5, 0] - 0.1 * K, HEIGHT + 2.0], [lm[5, 0] + 0.06 * K, lm[5, 1] + 0.3 * K]])  # fmt: skip
    rim = spline(_EAR[:_EAR_RIM]) * K + EYES_AT
    right = rim * [-1, 1] + [2 * EYES_AT[0], 0]
    return np.concatenate([skull, right, lm[14:11:-1], neck, lm[4:1:-1], rim[::-1]])


def _coverage(poly: np.ndarray, soft: float) -> np.ndarray:
    """Soft coverage (0..1) over the supersampled grid of a polygon in output pixels."""
    m = np.zeros((HEIGHT * SS, WIDTH * SS), np.float32)
    p = (poly + 0.5) * SS - 0.5
    cv2.fillPoly(m, [np.round(p * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
    return cv2.GaussianBlur(m, (0, 0), soft * SS) if soft > 0 else m


# ----------------------------------------------------------------------------- shading


def _cast_shadow(depth_px: np.ndarray, light: np.ndarray, reach: float, soft: float) -> np.ndarray:
    """How much of the light ``light`` (unit vector towards it, z < 0: in front) each pixel of the
    height field ``depth_px`` (pixels, nearer < 0) has blocked by the surface towards the light, 0..1,
    looking ``reach`` pixels along; edges soften over ``soft`` pixels of clearance."""
    height = -depth_px
    planar = float(np.hypot(light[0], light[1]))
    if planar < 1e-6:
        return np.zeros_like(depth_px)
    dx, dy = light[0] / planar, light[1] / planar
    rise = -light[2] / planar  # the ray's rise per pixel travelled in the image plane
    block = np.zeros_like(depth_px)
    h, w = depth_px.shape
    step = 2.0
    for k in range(1, int(reach / step) + 1):
        m = np.float32([[1, 0, k * step * dx], [0, 1, k * step * dy]])
        ahead = cv2.warpAffine(height, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
        np.maximum(block, ahead - height - k * step * rise, out=block)
    return np.clip(block / soft, 0, 1)


def _shade(depth_px: np.ndarray, dark: np.ndarray, albedo: np.ndarray) -> np.ndarray:
    """Polished marble: ``depth_px`` (supersampled pixels, nearer < 0) lit by a soft key from
    above and a weak fill, darkened in cavities at three scales; BGR float32 in [0, 1]."""
    dzdx = cv2.Sobel(depth_px, cv2.CV_32F, 1, 0, ksize=3) / 8
    dzdy = cv2.Sobel(depth_px, cv2.CV_32F, 0, 1, ksize=3) / 8
    n = np.stack([dzdx, dzdy, -np.ones_like(depth_px)], -1)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    key = (KEY / np.linalg.norm(KEY)).astype(np.float32)
    fill = (FILL / np.linalg.norm(FILL)).astype(np.float32)
    wrap = 0.3  # light wrapping round the forms: stone lets a little through
    diffuse = np.clip((n @ key + wrap) / (1 + wrap), 0, 1)
    soft = np.clip(n @ fill, 0, 1)
    half = key + np.array([0, 0, -1.0], np.float32)
    half /= np.linalg.norm(half)
    spec = np.clip(n @ half, 0, 1) ** 30
    unit = K * SS
    cavity = np.zeros_like(depth_px)
    for sigma, amount, scale in ((0.006, 0.35, 0.006), (0.02, 0.35, 0.015), (0.07, 0.3, 0.04)):
        hollow = depth_px - cv2.GaussianBlur(depth_px, (0, 0), sigma * unit)
        cavity += amount * np.clip(hollow / (scale * unit), 0, 1)
    ridge = np.clip((cv2.GaussianBlur(depth_px, (0, 0), 0.01 * unit) - depth_px) / (0.01 * unit), 0, 1)
    ao = np.clip(1 - cavity, 0, 1) * (1 - 0.85 * dark)
    shadow = _cast_shadow(depth_px, key, 0.25 * unit, 0.02 * unit)
    shadow = cv2.GaussianBlur(shadow, (0, 0), 0.006 * unit)
    diffuse *= 1 - 0.7 * shadow
    light = (0.22 + 0.82 * diffuse + 0.12 * soft) * ao + 0.06 * ridge
    # Grime: a warm grey settled in the hollows, as on stone that has stood a while.
    grime = np.clip(1.6 * cavity + 0.6 * dark, 0, 1)[..., None]
    albedo = albedo * (1 - grime * (1 - GRIME))
    sheen = np.clip(n @ half, 0, 1) ** 6
    colour = albedo * light[..., None] + ((0.07 * spec + 0.04 * sheen) * ao)[..., None]  # satin, not glass
    # Light scattered under the surface: a warm, blurred glow that softens the shadows' edges.
    glow = cv2.GaussianBlur(colour, (0, 0), 0.012 * unit) * np.array([0.93, 0.97, 1.03], np.float32)
    return 0.78 * colour + 0.22 * glow


def render_statue(seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """(BGRA ``(HEIGHT, WIDTH, 4)`` uint8 image of the marble bust, its ``(68, 2)`` float64 landmarks)."""
    rng = np.random.default_rng(seed)
    lm = statue_landmarks()
    z, dark = statue_depth()
    depth_px = z * (K * SS)
    body = _coverage(_bust_outline(lm), 1.0)
    ext = geometry.extend_landmarks(lm)
    brows, forehead = lm[17:27], ext[68:78]
    hairline = brows + 1.3 * (forehead - brows)
    hairline = np.concatenate([[lm[0] + [-0.05 * K, -0.1 * K]], hairline, [lm[16] + [0.05 * K, -0.1 * K]]])
    skull_top = np.array([[WIDTH + 20.0, lm[16, 1]], [WIDTH + 20.0, -20.0], [-20.0, -20.0], [-20.0, lm[0, 1]]])
    hair_region = _coverage(np.concatenate([spline(hairline), skull_top]), 3) * body
    depth_px += hair_depth(rng, hair_region, K * SS)
    colour = _shade(depth_px, dark, marble_albedo(rng, depth_px.shape))
    small = cv2.resize(colour, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(body, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA)
    bgr = np.clip(small * 255 + 0.5, 0, 255).astype(np.uint8)
    return np.dstack([bgr, np.clip(alpha * 255 + 0.5, 0, 255).astype(np.uint8)]), lm


def draw_marble_statue() -> FilterArt:
    """The ``marble_statue`` filter: the rendered bust's face on every face (a ``swap`` layer)."""
    image, lm = render_statue()
    entry = {
        "name": "marble face",
        "placement": "swap",
        "source": "statue.png",
        "source_points": "statue_points.json",
        "colour": 0.15,
        "lightness": 0.4,
        "keep_eyes": False,
    }
    points = json.dumps({"points": np.round(lm, 2).tolist()}) + "\n"
    return FilterArt(
        "marble_statue",
        "Marble statue",
        "Your face carved in marble: a statue's face, rendered by facefilter, following your expressions",
        order=160,
        layers=[LayerArt(entry, image, files={"statue_points.json": points})],
    )
