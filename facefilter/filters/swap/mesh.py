"""The swap's mesh: which triangles it draws, the outline of the swapped region, the source
texture (:class:`SourceFace`) and the piecewise-affine warp from the source's points to the target's.

Points are pixels, origin at the centre of the top-left pixel, x right, y down; landmarks are
``(68, 2)`` in iBUG order and the *extended* points (:func:`geometry.extend_landmarks`) add the
forehead and a border around them. The mesh is :func:`geometry.mesh_triangles` (a Delaunay
triangulation of the extended template): the eye contours (36-47) and the inner and outer lips
(48-67) are vertices, so the source's eyes and mouth take the target's eye and mouth shapes.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np

from facefilter.filters import geometry, render
from facefilter.types import FLIP_PERMUTATION, N_LANDMARKS

FOREHEAD_BAND = 0.6  # how far up the swapped region reaches: 0 the brows, 1 the forehead points
_INNER = N_LANDMARKS + geometry.N_FOREHEAD  # the 68 landmarks and the forehead points
_GAP = 8  # transparent columns between a texture and its mirror image
_JAW = list(range(17))
_BROWS = list(range(17, 27))
# The far half of a face whose template x > 0 side is hidden: the midline from the top of the
# border down the forehead, nose, lips and chin, then the border points on that side back up.
_MIDLINE = (27, 28, 29, 30, 33, 51, 62, 66, 57, 8)
_BORDER = N_LANDMARKS + geometry.N_FOREHEAD  # first border point (jaw 0 pushed out)


@functools.cache
def extended_flip() -> tuple[int, ...]:
    """Index ``i`` of a mirrored face's extended points holds point ``extended_flip()[i]`` of the original.

    :data:`facefilter.types.FLIP_PERMUTATION` for the 68 landmarks, reversed order for the
    forehead points and for both parts of the border.
    """
    nf = geometry.N_FOREHEAD
    border = N_LANDMARKS + nf
    return (
        *FLIP_PERMUTATION,
        *(N_LANDMARKS + nf - 1 - k for k in range(nf)),
        *(border + 16 - i for i in range(17)),
        *(border + 17 + nf - 1 - k for k in range(nf)),
    )


def face_outline(extended: np.ndarray) -> np.ndarray:
    """The swapped region's outline: jaw 0..16, then the forehead band right to left, ``(27, 2)``.

    The band sits :data:`FOREHEAD_BAND` of the way from each brow point to the forehead point
    above it: the brows and a strip of skin above them, never the hair line.
    """
    ext = np.asarray(extended, np.float64)
    brows = ext[_BROWS]
    band = brows + FOREHEAD_BAND * (ext[N_LANDMARKS:_INNER] - brows)
    return np.concatenate([ext[_JAW], band[::-1]])


@functools.cache
def swap_triangles() -> np.ndarray:
    """The mesh triangles a swap draws: those of :func:`geometry.mesh_triangles` that overlap the
    swapped region (:func:`face_outline` of the template, found by rasterising both at 64 px
    per template unit). ``(T, 3)`` int32, read-only."""
    ext = geometry.extended_template()
    tris = geometry.mesh_triangles()
    k, lo = 64.0, ext.min(0) - 0.1
    size = tuple(np.ceil((ext.max(0) + 0.1 - lo) * k).astype(int) + 1)
    region = np.zeros(size[::-1], np.uint8)
    cv2.fillPoly(region, [np.round((face_outline(ext) - lo) * k).astype(np.int32)], 1)
    region = cv2.dilate(region, np.ones((3, 3), np.uint8))
    keep = []
    for t in tris:
        m = np.zeros_like(region)
        cv2.fillConvexPoly(m, np.round((ext[t] - lo) * k).astype(np.int32), 1)
        keep.append(bool((m & region).any()))
    out = np.ascontiguousarray(tris[np.array(keep)], dtype=np.int32)
    out.setflags(write=False)
    return out


def far_half(extended: np.ndarray, side: int) -> np.ndarray:
    """Polygon ``(M, 2)`` covering the half of a face on the template's ``side`` (+1: x > 0, -1: x < 0)
    of its midline, out to the border points; ``extended`` are its ``(N_EXTENDED, 2)`` points."""
    ext = np.asarray(extended, np.float64)
    nf = geometry.N_FOREHEAD
    top = (ext[_BORDER + 17 + nf // 2 - 1] + ext[_BORDER + 17 + nf // 2]) / 2
    brow_top = (ext[N_LANDMARKS + nf // 2 - 1] + ext[N_LANDMARKS + nf // 2]) / 2
    if side > 0:
        rim = [_BORDER + i for i in range(8, 17)] + [_BORDER + 17 + k for k in range(nf - 1, nf // 2 - 1, -1)]
    else:
        rim = [_BORDER + i for i in range(8, -1, -1)] + [_BORDER + 17 + k for k in range(nf // 2)]
    return np.concatenate([[top, brow_top], ext[list(_MIDLINE)], ext[rim]])


@dataclass(frozen=True)
class SourceFace:
    """The face to lay onto others: a BGRA texture (a pyramid) and its extended points.

    ``levels[k]`` is ``levels[0]`` reduced ``k`` times by ``cv2.pyrDown`` (so a level-0 point
    ``p`` is at ``p / 2**k`` there). ``points`` is ``(2 * N_EXTENDED, 2)`` float64 level-0 pixels:
    the face's extended points, then those of its mirror image, which sits to the right of the
    face in the same texture (NaN when ``mirror`` is 0). ``yaw`` is the face's turn in degrees
    relative to the camera's ray to it (:func:`facefilter.filters.swap.turn.ray_yaw`; ``None``:
    unknown), ``mirror`` its far half (:func:`~facefilter.filters.swap.turn.mirror_side`);
    ``scale`` its size in level-0 pixels per template unit.
    """

    levels: tuple[np.ndarray, ...]
    points: np.ndarray
    mirror: int
    scale: float
    yaw: float | None = None

    @classmethod
    def from_image(
        cls,
        image: np.ndarray,
        landmarks: np.ndarray,
        *,
        yaw: float | None = None,
        max_scale: float | None = None,
        n_levels: int = 1,
    ) -> SourceFace:
        """The face with ``landmarks`` ``(68, 2)`` in ``image`` (HxWx3 BGR or HxWx4 BGRA ``uint8``).

        Only the face's region is copied (beyond the picture's edges: transparent), reduced to
        ``max_scale`` pixels per template unit when finer; a face turned by ``yaw`` degrees
        more than :data:`~facefilter.filters.swap.turn.MIRROR_MIN_YAW` gets its mirror image too;
        ``n_levels`` pyramid levels for sources much larger than the faces they land on.
        """
        from facefilter.filters.swap.turn import mirror_side

        img = np.asarray(image)
        if img.ndim != 3 or img.shape[2] not in (3, 4) or img.dtype != np.uint8:
            raise ValueError(f"source image must be HxWx3 BGR or HxWx4 BGRA uint8, got {img.shape} {img.dtype}")
        lm = geometry.as_points(landmarks, N_LANDMARKS, "landmarks")
        if not np.isfinite(lm).all():
            raise ValueError("source landmarks must be finite")
        mirror = mirror_side(yaw)
        sim = geometry.face_similarity(lm)
        scale = float(np.sqrt(abs(np.linalg.det(sim[:, :2]))))
        if scale < 2:
            raise ValueError(f"source face too small ({scale:.1f} px per inter-ocular unit)")
        ext = geometry.extend_landmarks(lm, sim)
        face = ext[:_INNER]
        margin = 0.15 * scale
        x0, y0 = np.floor(face.min(0) - margin).astype(int)
        x1, y1 = np.ceil(face.max(0) + margin).astype(int) + 1
        crop = crop_bgra(img, x0, y0, x1, y1)
        pts = ext - (x0, y0)
        if max_scale is not None and scale > max_scale:
            f = max_scale / scale
            size = (max(1, round(crop.shape[1] * f)), max(1, round(crop.shape[0] * f)))
            fx, fy = size[0] / crop.shape[1], size[1] / crop.shape[0]
            crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
            pts = (pts + 0.5) * (fx, fy) - 0.5
            scale *= math.sqrt(fx * fy)
        mirrored = np.full_like(pts, np.nan)
        if mirror:
            w = crop.shape[1]
            gap = np.zeros((crop.shape[0], _GAP, 4), np.uint8)
            crop = np.hstack([crop, gap, cv2.flip(crop, 1)])
            mirrored = pts[list(extended_flip())].copy()
            mirrored[:, 0] = (w + _GAP) + (w - 1) - mirrored[:, 0]
        levels = [np.ascontiguousarray(crop)]
        for _ in range(1, n_levels):
            if min(levels[-1].shape[:2]) < 32:
                break
            levels.append(cv2.pyrDown(levels[-1]))
        for lv in levels:
            lv.setflags(write=False)
        points = np.concatenate([pts, mirrored])
        points.setflags(write=False)
        return cls(tuple(levels), points, mirror, scale, yaw)


def crop_bgra(image: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """``image[y0:y1, x0:x1]`` as BGRA; outside the image the colour of its edge, alpha 0."""
    h, w = image.shape[:2]
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if cx1 <= cx0 or cy1 <= cy0:
        return np.zeros((y1 - y0, x1 - x0, 4), np.uint8)
    part = image[cy0:cy1, cx0:cx1]
    part = cv2.cvtColor(part, cv2.COLOR_BGR2BGRA) if part.shape[2] == 3 else part.copy()
    pads = (cy0 - y0, y1 - cy1, cx0 - x0, x1 - cx1)
    if not any(pads):
        return part
    out = cv2.copyMakeBorder(part, *pads, cv2.BORDER_REPLICATE)
    alpha = np.zeros(out.shape[:2], np.uint8)
    alpha[pads[0] : pads[0] + part.shape[0], pads[2] : pads[2] + part.shape[1]] = part[..., 3]
    out[..., 3] = alpha
    return out


def warp(
    texture: np.ndarray, src: np.ndarray, dst: np.ndarray, triangles: np.ndarray, roi: render.Roi, step: int
) -> np.ndarray:
    """``texture`` bent from ``src`` onto ``dst`` points over ``roi``; transparent outside the triangles."""
    map_x, map_y = render.mesh_maps(src, dst, triangles, roi, step)
    return cv2.remap(texture, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def drawable(triangles: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``triangles`` without the slivers of ``points`` (under a quarter pixel of area, e.g. a closed
    mouth's inner lips), smallest first.

    :func:`render.mesh_maps` rasterises in order and a later triangle wins a shared edge: a
    sliver's wild affine map must never win one.
    """
    p = np.asarray(points)
    a, b, c = p[triangles[:, 0]], p[triangles[:, 1]], p[triangles[:, 2]]
    area = 0.5 * np.abs((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))
    keep = np.flatnonzero(area >= 0.25)
    return triangles[keep[np.argsort(area[keep], kind="stable")]]
