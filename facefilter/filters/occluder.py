"""The head occluder: two ellipsoids that stand in for the head, and per-pixel depth tests against them.

Head space is that of :data:`facefilter.pose.MEAN_FACE_3D` (millimetres; x to the image right, y
down, z away from the camera for a frontal face; origin between the outer eye corners). The head
is modelled as the union of

* the *cranium*, an ellipsoid 152 mm wide, 210 mm high and 190 mm deep (median adult head
  breadth, eye-to-vertex height and glabella-to-back length), whose front passes over the brow
  (z = -22 mm at the nasion, about MEAN_FACE_3D's -21) and the outer eye corners, and whose sides
  hold the jaw's top points (0 and 16, by the ears);
* the *jaw*, a smaller ellipsoid under it holding the cheeks, the jaw line (points 2-14) and the
  mouth corners.

The nose, lips and chin stick out of it: they are never needed to hide a sticker (glasses sit in
front of the nose). Everything here works on *rays*: a frame pixel ``(u, v)`` looks along
``C + s * M @ (u, v, 1)`` in head space (``C`` the camera centre, ``M`` from :class:`FaceView`),
so a sticker pixel lying on a plane at ray parameter ``s_plane`` is hidden when the ray enters an
ellipsoid at ``s_near < s_plane``. Edges are anti-aliased: the silhouette over about one pixel,
the line where a plane goes into the head over about :data:`DEPTH_SOFTNESS_MM`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np

Roi = tuple[int, int, int, int]  # (x0, y0, width, height) in frame pixels

DEPTH_SOFTNESS_MM = 2.5


@dataclass(frozen=True)
class Ellipsoid:
    """An axis-aligned ellipsoid in head space: ``centre`` and semi-axes ``axes`` (mm)."""

    centre: tuple[float, float, float]
    axes: tuple[float, float, float]

    def contains(self, points: np.ndarray) -> np.ndarray:
        """``(N,)`` bool: which ``(N, 3)`` head-space points are inside."""
        q = (np.asarray(points, np.float64) - self.centre) / self.axes
        return (q**2).sum(-1) <= 1.0

    def front_depth(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The head-space z of the ellipsoid's front surface above ``(x, y)`` (NaN where it is not)."""
        cx, cy, cz = self.centre
        ax, ay, az = self.axes
        r = 1.0 - ((np.asarray(x) - cx) / ax) ** 2 - ((np.asarray(y) - cy) / ay) ** 2
        with np.errstate(invalid="ignore"):
            return np.where(r >= 0, cz - az * np.sqrt(np.maximum(r, 0.0)), np.nan)


CRANIUM = Ellipsoid((0.0, -15.0, 73.0), (76.0, 105.0, 95.0))
JAW = Ellipsoid((0.0, 40.0, 40.0), (70.0, 80.0, 55.0))
HEAD_PROXY: tuple[Ellipsoid, ...] = (CRANIUM, JAW)


class FaceView:
    """The camera looking at one head: head space (mm) -> frame pixels, and pixels back to rays.

    ``rotation`` ``(3, 3)`` and ``tvec`` ``(3,)`` take head space to camera space (as
    :class:`facefilter.types.HeadPose`); ``matrix`` ``(3, 3)`` takes camera space to homogeneous
    pixels: the pinhole intrinsics, optionally followed by a 2-D similarity ``correction`` (see
    :func:`facefilter.filters.head.face_view`). A head point ``p`` lands on pixel
    ``dehomogenise(matrix @ (rotation @ p + tvec))``.
    """

    def __init__(self, rotation: np.ndarray, tvec: np.ndarray, matrix: np.ndarray) -> None:
        self.rotation = np.asarray(rotation, np.float64).reshape(3, 3)
        self.tvec = np.asarray(tvec, np.float64).reshape(3)
        self.matrix = np.asarray(matrix, np.float64).reshape(3, 3)
        self.camera = -self.rotation.T @ self.tvec  # camera centre in head space
        self.ray_matrix = self.rotation.T @ _inverse3(self.matrix)  # pixel (u, v, 1) -> ray direction
        m = self.matrix
        self.pixels_per_mm = math.sqrt(abs(m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0])) / max(float(self.tvec[2]), 1e-6)

    def depth(self, points: np.ndarray) -> np.ndarray:
        """``(N,)`` camera-space depth (mm along the optical axis) of ``(N, 3)`` head points."""
        return np.asarray(points, np.float64) @ self.rotation[2] + self.tvec[2]

    def project(self, points: np.ndarray) -> np.ndarray:
        """``(N, 3)`` head points -> ``(N, 2)`` float64 pixels; NaN for points at or behind the camera."""
        cam = np.asarray(points, np.float64) @ self.rotation.T + self.tvec
        h = cam @ self.matrix.T
        return h[:, :2] / np.where(cam[:, 2:3] > 1e-6, h[:, 2:3], np.nan)  # (NaN divides without a warning)

    def head_box(self, ellipsoids: tuple[Ellipsoid, ...] = HEAD_PROXY) -> np.ndarray:
        """``(2, 2)`` [[x0, y0], [x1, y1]] pixel box that holds the projection of every ellipsoid."""
        if ellipsoids == HEAD_PROXY:
            return self._proxy_box
        boxes = np.array([_corner_box(self.project(_box_corners(e))) for e in ellipsoids])
        return np.array([boxes[:, 0].min(0), boxes[:, 1].max(0)])

    @functools.cached_property
    def proxy_boxes(self) -> np.ndarray:
        """``(E, 2, 2)``: the :meth:`head_box` of each ellipsoid of :data:`HEAD_PROXY` alone (one
        projection for all)."""
        px = self.project(_PROXY_CORNERS).reshape(len(HEAD_PROXY), 8, 2)
        return np.stack([px.min(1), px.max(1)], axis=1)

    @functools.cached_property
    def _proxy_box(self) -> np.ndarray:
        boxes = self.proxy_boxes
        return np.array([boxes[:, 0].min(0), boxes[:, 1].max(0)])

    def min_depth(self, e: Ellipsoid) -> float:
        """The smallest camera depth of any point of ``e``."""
        r = self.rotation[2]
        (cx, cy, cz), (ax, ay, az) = e.centre, e.axes
        centre = r[0] * cx + r[1] * cy + r[2] * cz + self.tvec[2]
        return float(centre - math.sqrt((r[0] * ax) ** 2 + (r[1] * ay) ** 2 + (r[2] * az) ** 2))


_SIGNS = np.array(np.meshgrid([-1, 1], [-1, 1], [-1, 1])).reshape(3, -1).T.astype(np.float64)


@functools.cache
def _box_corners(e: Ellipsoid) -> np.ndarray:
    """The 8 corners of the box round ``e`` (head space, mm)."""
    return np.asarray(e.centre) + _SIGNS * e.axes


def _corner_box(px: np.ndarray) -> np.ndarray:
    """``(2, 2)`` [[x0, y0], [x1, y1]] of projected points (NaN when any point is behind the camera)."""
    return np.array([px.min(0), px.max(0)])


_PROXY_CORNERS = np.concatenate([_box_corners(e) for e in HEAD_PROXY])


def _inverse3(m: np.ndarray) -> np.ndarray:
    """Inverse of a ``(3, 3)`` matrix by its adjugate (numpy.linalg's LAPACK call costs far more here)."""
    (a, b, c), (d, e, f), (g, h, i) = m.tolist()
    adj = np.array([[e * i - f * h, c * h - b * i, b * f - c * e],
                    [f * g - d * i, a * i - c * g, c * d - a * f],
                    [d * h - e * g, b * g - a * h, a * e - b * d]])  # fmt: skip
    det = a * adj[0, 0] + b * adj[1, 0] + c * adj[2, 0]
    if abs(det) < 1e-300:
        raise ValueError("singular camera matrix")
    return adj / det


def _grid(roi: Roi, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Sample positions of ``roi`` every ``step`` pixels: x ``(1, W)``, y ``(H, 1)`` (cv2.resize-aligned)."""
    x0, y0, w, h = roi
    off = (step - 1) / 2
    xs = x0 + off + step * np.arange(-(-w // step), dtype=np.float64)
    ys = y0 + off + step * np.arange(-(-h // step), dtype=np.float64)
    return xs[None, :], ys[:, None]


class HeadOcclusion:
    """The head proxy's entry depth along every ray of a frame region, for depth-testing planes there.

    Built once per face and layer over the region the layer's planes cover (``roi``), sampled every
    ``step`` pixels: per sample, the ray parameter where it enters the head (the nearer of the
    ellipsoids it hits) and a silhouette weight (1 inside, 0 outside, a one-pixel ramp across the
    outline). :meth:`visibility` then costs a few array operations per plane.
    """

    FAR = 1e9  # the entry "depth" of rays that miss the head

    def __init__(self, view: FaceView, roi: Roi, step: int = 2, ellipsoids: tuple[Ellipsoid, ...] = HEAD_PROXY):
        self.view = view
        self.roi = roi
        self.step = step
        xs, ys = _grid(roi, step)
        self.xs, self.ys = xs, ys
        self.xs32, self.ys32 = xs.astype(np.float32), ys.astype(np.float32)
        shape = (ys.shape[0], xs.shape[1])
        self.entry = np.full(shape, self.FAR, np.float32)
        self.silhouette = np.zeros(shape, np.float32)
        x0, y0, w, h = roi
        boxes = view.proxy_boxes if ellipsoids == HEAD_PROXY else [view.head_box((e,)) for e in ellipsoids]
        xs32, ys32 = self.xs32, self.ys32
        for e, box in zip(ellipsoids, boxes, strict=True):
            if view.min_depth(e) <= 1.0:
                continue  # the camera is inside or beside it: no sensible occlusion
            if box[1, 0] < x0 or box[0, 0] > x0 + w or box[1, 1] < y0 or box[0, 1] > y0 + h:
                continue  # its outline is nowhere near this region
            # In the ellipsoid's unit-sphere coordinates: camera c, ray directions dd = (a u + b v + c).
            a = np.asarray(e.axes)
            c = (view.camera - e.centre) / a
            m = (view.ray_matrix / a[:, None]).astype(np.float32)
            dd = [m[i, 0] * xs32 + m[i, 1] * ys32 + m[i, 2] for i in range(3)]
            qa = dd[0] * dd[0]
            qa += dd[1] * dd[1]
            qa += dd[2] * dd[2]
            cm = (c @ m).astype(np.float32)  # c . dd is linear in (u, v) too
            qb = cm[0] * xs32 + cm[1] * ys32 + cm[2]
            disc = qb * qb
            disc -= qa * np.float32(float(c @ c) - 1.0)
            # disc / qa = 1 - (distance of the ray from the centre, in ellipsoid units)^2; one unit
            # spans about mean(axes) * pixels_per_mm pixels near the silhouette.
            inv_qa = np.reciprocal(qa, out=qa)
            sil = disc * inv_qa
            sil *= np.float32(0.5 * (sum(e.axes) / 3.0) * view.pixels_per_mm)
            sil += np.float32(0.5)
            _clip01(sil)
            root = np.sqrt(np.maximum(disc, 0.0, out=disc), out=disc)
            root += qb
            root *= inv_qa
            s_near = np.negative(root, out=root)
            s_near[sil <= 0] = self.FAR
            np.minimum(self.entry, s_near, out=self.entry)
            np.maximum(self.silhouette, sil, out=self.silhouette)
        self.active = bool(self.silhouette.max() > 0)

    def visibility(
        self, point: np.ndarray, normal: np.ndarray, roi: Roi, farthest: float = math.inf
    ) -> np.ndarray | None:
        """Float32 ``(h, w)`` visibility in [0, 1] over ``roi`` (inside this object's region) of the
        plane through head point ``point`` with unit ``normal``; None when nothing there is hidden.

        ``farthest``: the largest camera depth (mm) of the plane's visible part, if known (its
        corners'); when the head is nearer nowhere in ``roi`` the per-pixel test is skipped. (The
        ray parameter here is the camera depth: ``ray_matrix`` keeps the depth component 1.)
        """
        return self.visibilities([(point, normal, roi, farthest)])[0]

    def visibilities(self, planes: list[tuple[np.ndarray, np.ndarray, Roi, float]]) -> list[np.ndarray | None]:
        """:meth:`visibility` of several planes ``(point, normal, roi, farthest)``, computed together."""
        scale = np.float32(1.0 / 255.0)
        return [None if v is None else v.astype(np.float32) * scale for v in self.visibilities8(planes)]

    def visibilities8(self, planes: list[tuple[np.ndarray, np.ndarray, Roi, float]]) -> list[np.ndarray | None]:
        """:meth:`visibilities` as uint8 (255 = visible), what blending takes; computed together."""
        out: list[np.ndarray | None] = [None] * len(planes)
        if not self.active:
            return out
        rx0, ry0 = self.roi[:2]
        st = self.step
        todo = []
        for k, (_, _, roi, farthest) in enumerate(planes):
            x0, y0, w, h = roi
            j0, i0 = max(0, (x0 - rx0) // st - 1), max(0, (y0 - ry0) // st - 1)
            j1 = min(self.xs.shape[1], -(-(x0 + w - rx0) // st) + 1)
            i1 = min(self.ys.shape[0], -(-(y0 + h - ry0) // st) + 1)
            if j1 <= j0 or i1 <= i0:
                continue
            # (Rays that miss the head have the entry depth FAR: a block outside the silhouette skips here too.)
            if farthest + DEPTH_SOFTNESS_MM / 2 <= self.entry[i0:i1, j0:j1].min():
                continue
            todo.append((k, (j0, i0, j1, i1)))
        if not todo:
            return out
        # n . ray(u, v) = num / s_plane(u, v), s_plane the ray parameter (depth) where it meets the
        # plane: per plane the linear form g of (u, v, 1) that gives softness / s_plane.
        normals = np.array([planes[k][1] for k, _ in todo], np.float64)
        points = np.array([planes[k][0] for k, _ in todo], np.float64)
        num = ((points - self.view.camera) * normals).sum(1)
        safe = np.where(num != 0, num, 1.0)
        g = (normals @ self.view.ray_matrix) * np.where(num != 0, DEPTH_SOFTNESS_MM / safe, 0.0)[:, None]
        # All planes at once over the region's grid: (s_plane - entry) / softness + 0.5 (negative
        # s_plane: the ray never meets the plane), clipped to [0, 1], times the silhouette.
        g = g.astype(np.float32)
        denom = g[:, 0, None, None] * self.xs32 + g[:, 2, None, None]  # (P, 1, W): the cheap terms first
        denom = denom + g[:, 1, None, None] * self.ys32
        # +-inf where denom is +-0 (clipped below); no NaN can arise, as g and the grid are finite.
        with np.errstate(divide="ignore", over="ignore"):
            t = np.reciprocal(denom, out=denom)
        t -= self.entry * np.float32(1.0 / DEPTH_SOFTNESS_MM)
        t += np.float32(0.5)
        np.maximum(t, 0.0, out=t)
        hidden = np.minimum(t, 1.0, out=t)
        hidden *= self.silhouette
        # visible = 255 * (1 - hidden), rounded
        hidden *= np.float32(-255.0)
        hidden += np.float32(255.5)
        visible = hidden.astype(np.uint8)
        for row, (k, (j0, i0, j1, i1)) in enumerate(todo):
            vis = visible[row, i0:i1, j0:j1]
            if vis.min() == 255:
                continue
            if st > 1:
                vis = cv2.resize(vis, (vis.shape[1] * st, vis.shape[0] * st), interpolation=cv2.INTER_LINEAR)
            x0, y0, w, h = planes[k][2]
            ox, oy = x0 - (rx0 + st * j0), y0 - (ry0 + st * i0)
            out[k] = vis[oy : oy + h, ox : ox + w]
        return out


def _clip01(a: np.ndarray) -> np.ndarray:
    """``a`` clipped to [0, 1] in place (NaN -> 0) and returned (np.clip's Python wrapper is slow here)."""
    np.maximum(a, 0.0, out=a)
    np.minimum(a, 1.0, out=a)
    a[np.isnan(a)] = 0.0
    return a


def head_mask(view: FaceView, shape: tuple[int, ...], ellipsoids: tuple[Ellipsoid, ...] = HEAD_PROXY) -> np.ndarray:
    """``(H, W)`` bool: the frame pixels whose ray (through the pixel centre) hits the head proxy."""
    h, w = shape[:2]
    xs = np.arange(w, dtype=np.float64)[None, :]
    ys = np.arange(h, dtype=np.float64)[:, None]
    m = view.ray_matrix
    d = [m[i, 0] * xs + m[i, 1] * ys + m[i, 2] for i in range(3)]
    hit = np.zeros((h, w), bool)
    for e in ellipsoids:
        a = np.asarray(e.axes)
        c = (view.camera - e.centre) / a
        dd = [d[i] / a[i] for i in range(3)]
        qa = dd[0] ** 2 + dd[1] ** 2 + dd[2] ** 2
        qb = c[0] * dd[0] + c[1] * dd[1] + c[2] * dd[2]
        disc = qb * qb - qa * (float(c @ c) - 1.0)
        hit |= (disc > 0) & (qb < 0)
    return hit
