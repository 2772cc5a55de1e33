"""Head-space art: manifest entries for ``head`` layers, from drawing sheets to planes in millimetres.

Head space (:mod:`facefilter.filters.head`) has its origin between the outer eye corners and the
same axes as the template of :class:`~facefilter.tools.art.sheet.Sheet`, so a sheet drawn in
template units becomes a plane in millimetres by scaling by :data:`MM` (90 mm per unit). A sheet
pixel ``p`` (origin at the centre of the top-left pixel) is template ``(x0, y0) + p / k``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from facefilter.filters.head import BLEED_PX, MM_PER_TEMPLATE_UNIT
from facefilter.tools.art.sheet import LayerArt, Sheet
from facefilter.types import rotation_from_angles

MM = MM_PER_TEMPLATE_UNIT


def _r(v: float) -> float:
    return round(float(v), 2)


def plane(image: str, centre: Sequence[float], size: Sequence[float], rotation: Sequence[float] = (0, 0, 0),
          region: Sequence[int] | None = None, **flags: bool) -> dict[str, Any]:  # fmt: skip
    """A plane's manifest entry (numbers rounded to 0.01 mm / deg; default fields left out)."""
    entry: dict[str, Any] = {"image": image}
    if region is not None:
        entry["region"] = [int(v) for v in region]
    entry["centre"] = [_r(v) for v in centre]
    entry["size"] = [_r(v) for v in size]
    if any(abs(v) > 1e-9 for v in rotation):
        entry["rotation"] = [_r(v) for v in rotation]
    entry.update({k: v for k, v in flags.items() if v})
    return entry


def edge_px(s: Sheet, x: float) -> int:
    """The pixel edge of sheet ``s`` nearest to template x (edge e lies between pixels e - 1 and e)."""
    return int(round((x - s.x0) * s.k + 0.5))


def edge_x(s: Sheet, e: float) -> float:
    """Template x of the pixel edge ``e`` of sheet ``s``."""
    return s.x0 + (e - 0.5) / s.k


def edge_y(s: Sheet, e: float) -> float:
    """Template y of the pixel edge ``e`` (rows) of sheet ``s``."""
    return s.y0 + (e - 0.5) / s.k


def sheet_plane(s: Sheet, image: str, z: float, **kw: Any) -> dict[str, Any]:
    """The whole sheet as a plane facing the camera at depth ``z`` mm: on a frontal face it covers
    exactly what the sheet's template box covers."""
    w, h = s.c.width, s.c.height
    cx, cy = (edge_x(s, 0) + edge_x(s, w)) / 2, (edge_y(s, 0) + edge_y(s, h)) / 2
    return plane(image, (cx * MM, cy * MM, z), (w / s.k * MM, h / s.k * MM), **kw)


def strip_planes(image: str, edges: Sequence[int], rows: tuple[int, int], path: np.ndarray, y: float, height: float,
                 **flags: bool) -> list[dict[str, Any]]:  # fmt: skip
    """A picture bent along a path: columns ``edges[i]..edges[i+1]`` (rows ``rows``) of ``image``
    become the plane from ``path[i]`` to ``path[i+1]`` (``(n + 1, 2)`` points (x, z), mm) at height
    ``y``, ``height`` mm tall. The picture faces the side to the left of the path's direction as
    seen from above (-y): a path running to +x faces -z, the camera of a frontal face."""
    out = []
    for i in range(len(path) - 1):
        (xa, za), (xb, zb) = path[i], path[i + 1]
        length = math.hypot(xb - xa, zb - za)
        yaw = math.degrees(math.atan2(zb - za, xb - xa))
        region = (edges[i], rows[0], edges[i + 1], rows[1])
        out.append(plane(image, ((xa + xb) / 2, y, (za + zb) / 2), (length, height), (yaw, 0, 0), region, **flags))
    return out


def folded_planes(s: Sheet, image: str, z: float, folds: Sequence[tuple[float, float]]) -> list[dict[str, Any]]:
    """The sheet folded back along vertical lines: ``folds`` are ``(template x, degrees)``.

    The sheet point at x = 0 stays at depth ``z``; going outwards from it, each fold turns the rest
    of the sheet back (away from the camera) by its angle, as glasses and masks wrap round a face.
    """
    xs = sorted(folds)
    bounds = [0, *(edge_px(s, x) for x, _ in xs), s.c.width]
    angles = [a for _, a in xs]
    centre = edge_px(s, 0.0)
    pivot = next(i for i in range(len(bounds) - 1) if bounds[i] <= centre < bounds[i + 1])
    # Direction (yaw) of each strip: the pivot strip faces the camera; each fold on the way out adds its angle.
    yaw = [0.0] * (len(bounds) - 1)
    for i in range(pivot + 1, len(yaw)):
        yaw[i] = yaw[i - 1] + angles[i - 1]
    for i in range(pivot - 1, -1, -1):
        yaw[i] = yaw[i + 1] - angles[i]
    # The pivot strip holds x = 0 at depth z and faces the camera; walk outwards from its two ends.
    x_mm = [edge_x(s, e) * MM for e in bounds]
    points = [np.zeros(2) for _ in bounds]
    points[pivot] = np.array([x_mm[pivot], z])
    points[pivot + 1] = np.array([x_mm[pivot + 1], z])
    for i in range(pivot + 1, len(yaw)):
        a = math.radians(yaw[i])
        points[i + 1] = points[i] + (x_mm[i + 1] - x_mm[i]) * np.array([math.cos(a), math.sin(a)])
    for i in range(pivot - 1, -1, -1):
        a = math.radians(yaw[i])
        points[i] = points[i + 1] - (x_mm[i + 1] - x_mm[i]) * np.array([math.cos(a), math.sin(a)])
    h = s.c.height
    y = (edge_y(s, 0) + edge_y(s, h)) / 2 * MM
    return strip_planes(image, bounds, (0, h), np.array(points), y, h / s.k * MM)


def plane_at(s: Sheet, image: str, anchor: Sequence[float], at: Sequence[float], rotation: Sequence[float] = (0, 0, 0),
             scale: float = 1.0, **flags: bool) -> dict[str, Any]:  # fmt: skip
    """The whole sheet ``s`` (``scale`` x :data:`MM` mm per template unit) as a plane turned by
    ``rotation`` (yaw, pitch, roll degrees) whose template point ``anchor`` (e.g. an ear's root)
    lies on the head point ``at`` (mm)."""
    w, h = s.c.width, s.c.height
    centre_t = np.array([(edge_x(s, 0) + edge_x(s, w)) / 2, (edge_y(s, 0) + edge_y(s, h)) / 2])
    offset = (centre_t - np.asarray(anchor, np.float64)) * MM * scale  # in the plane, anchor -> centre
    rot = rotation_from_angles(*rotation)
    centre = np.asarray(at, np.float64) + rot[:, 0] * offset[0] + rot[:, 1] * offset[1]
    return plane(image, centre, (w / s.k * MM * scale, h / s.k * MM * scale), rotation, **flags)


def head_layer(name: str, z: int, planes: list[dict[str, Any]], images: dict[str, np.ndarray], *,
               occlude: bool = True, **kw: Any) -> LayerArt:  # fmt: skip
    """A ``head`` layer: its manifest entry and its pictures (straight-alpha BGRA, by file name)."""
    entry: dict[str, Any] = {"name": name, "placement": "head", "z": z}
    if not occlude:
        entry["occlude"] = False
    entry.update(kw)
    entry["planes"] = planes
    return LayerArt(entry, None, images=images)


def wrap_pad(image: np.ndarray, edges: Sequence[int]) -> tuple[np.ndarray, list[int]]:
    """A picture that goes all the way round (a ring), padded on each side with :data:`BLEED_PX`
    columns from the other end, so the first and last planes borrow their neighbour's pixels like
    the others do (no seam where the ring closes). Returns the padded picture and shifted edges."""
    b = BLEED_PX
    padded = np.concatenate([image[:, -b:], image, image[:, :b]], axis=1)
    return padded, [e + b for e in edges]


def ring_path(centre_z: float, axes: tuple[float, float], start_deg: float, stop_deg: float, n: int) -> np.ndarray:
    """``(n + 1, 2)`` points (x, z) on the ellipse round the head's vertical axis through (0, centre_z):
    angle 0 is the front (-z), 90 the head's +x side; from ``start_deg`` to ``stop_deg``."""
    t = np.radians(np.linspace(start_deg, stop_deg, n + 1))
    return np.stack([axes[0] * np.sin(t), centre_z - axes[1] * np.cos(t)], 1)
