"""Face swap: one face's skin laid onto another face, following the target's geometry (numpy + cv2).

Conventions (those of :mod:`facefilter.filters.geometry`): frames are HxWx3 ``uint8`` BGR and are
modified **in place** by :func:`swap_face`; source textures are HxWx4 ``uint8`` BGRA whose alpha
says where the source picture has pixels (0 beyond its edges). Points are pixels, origin at the
centre of the top-left pixel, x right, y down; landmarks are ``(68, 2)`` in iBUG order, and the
*extended* points (:func:`geometry.extend_landmarks`) add the forehead and a border around them.

How one face is swapped (:func:`swap_face`):

1. **Warp.** The source texture is bent piecewise-affinely over :func:`geometry.mesh_triangles`
   from the source's extended points onto the target's (the ``mesh`` placement's triangulation);
   inverse maps are evaluated only over the target's region (:func:`render.mesh_maps`).
2. **Mask.** The face outline (jaw, then a band of forehead above the brows) is drawn shrunk by
   the feather width and blurred so it fades to 0 at the outline; it has soft holes at the
   target's eyes and open mouth, so the target's own eyes and mouth interior show (blinking and
   talking look natural); it is multiplied by the warped source alpha (a source face partly
   outside its picture leaves the target's skin there).
3. **Colour.** The warped source's mean and standard deviation in CIE Lab inside the mask move
   to the target's (skin tone and lighting; ``colour`` of the way for hue and saturation,
   ``lightness`` for L), then a low-frequency lightness ratio (blurred target over blurred
   source, inside the mask) carries the target's shading across the face (a lamp on the left
   stays on the left).
4. **Blend.** ``target + (source - target) * mask * morph``: ``morph`` 0 is the target's own
   face, 1 the other face, in between a blend of the two aligned faces.

A strongly turned source face (:data:`MIRROR_YAW`) shows its far half foreshortened and partly
hidden; that half is then read from the mirror image of the near half (:class:`SourceFace`).
Poisson blending (``cv2.seamlessClone``) is available as ``poisson=True`` for comparison; it
costs far more than the feathered mask (see ``facefilter-bench swap``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from facefilter.filters import geometry, render
from facefilter.types import FLIP_PERMUTATION, N_LANDMARKS

MIRROR_YAW = 18.0  # degrees: a source turned further shows its near half on both sides of every face
RELATIVE_YAW = 12.0  # degrees: ... and of a face turned this much more the other way
MIRROR_MIN_YAW = 8.0  # degrees: sources turned less keep no mirror image
FOREHEAD_BAND = 0.55  # how far up the swapped region reaches: 0 the brows, 1 the forehead points
FEATHER = 0.1  # template units (about the inter-ocular distance): soft edge inside the outline
HOLE_FEATHER = 0.025  # template units: soft edge of the eye and mouth holes
EYE_HOLE = 1.12  # eye holes are the eye contour scaled by this about its centre
MOUTH_HOLE = 1.1  # the mouth hole is the inner-lip contour scaled by this about its centre
MIDLINE_FEATHER = 0.05  # template units: soft seam between a face's half and its mirrored other half
MOUTH_HOLE_MIN = 0.06  # inner-lip gap (template units) above which the target's mouth interior is kept
SHADING_SIGMA = 0.22  # template units: blur of the lightness ratio that carries the target's shading
MAX_SOURCE_SCALE = 150.0  # px per template unit: image sources are stored no finer than this
GAIN_MIN = np.array([0.75, 0.25, 0.25], np.float32)  # lowest std ratio for L, a, b
_INNER = N_LANDMARKS + geometry.N_FOREHEAD  # the 68 landmarks and the forehead points
_GAP = 8  # transparent columns between a texture and its mirror image
_JAW = list(range(17))
_BROWS = list(range(17, 27))


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


# The far half of a face whose template x > 0 side is hidden: the midline from the top of the
# border down the forehead, nose, lips and chin, then the border points on that side back up.
_MIDLINE = (27, 28, 29, 30, 33, 51, 62, 66, 57, 8)
_BORDER = N_LANDMARKS + geometry.N_FOREHEAD  # first border point (jaw 0 pushed out)


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


def mirror_side(yaw_deg: float | None, threshold: float = MIRROR_MIN_YAW) -> int:
    """The far half of a face turned by ``yaw_deg``: +1 (template x > 0), -1 (x < 0) or 0 (under ``threshold``).

    ``yaw > 0`` (:class:`facefilter.types.HeadPose`: the nose points to the image right) hides
    the face's image-right half, the template's x > 0 side: +1.
    """
    if yaw_deg is None or not math.isfinite(yaw_deg) or abs(yaw_deg) <= threshold:
        return 0
    return 1 if yaw_deg > 0 else -1


def use_mirror(source_yaw: float | None, target_yaw: float | None) -> bool:
    """Whether a source turned by ``source_yaw`` should show its near half twice on a face turned by ``target_yaw``.

    Yes when the source is turned past :data:`MIRROR_YAW`, or when the target is turned
    :data:`RELATIVE_YAW` more towards the source's far side (that half would be stretched
    several times over). Unknown yaws count as frontal.
    """
    ys = source_yaw if source_yaw is not None and math.isfinite(source_yaw) else 0.0
    yt = target_yaw if target_yaw is not None and math.isfinite(target_yaw) else 0.0
    if abs(ys) <= MIRROR_MIN_YAW:
        return False
    return abs(ys) > MIRROR_YAW or (yt - ys) * math.copysign(1.0, ys) < -RELATIVE_YAW


@dataclass(frozen=True)
class SourceFace:
    """The face to lay onto others: a BGRA texture (a pyramid) and its extended points.

    ``levels[k]`` is ``levels[0]`` reduced ``k`` times by ``cv2.pyrDown`` (so a level-0 point
    ``p`` is at ``p / 2**k`` there). ``points`` is ``(2 * N_EXTENDED, 2)`` float64 level-0 pixels:
    the face's extended points, then those of its mirror image, which sits to the right of the
    face in the same texture (NaN when ``mirror`` is 0). ``yaw`` is the face's yaw in degrees
    (``None``: unknown), ``mirror`` its far half (:func:`mirror_side`); ``scale`` its size in
    level-0 pixels per template unit.
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
        (:class:`facefilter.types.HeadPose`) more than :data:`MIRROR_MIN_YAW` gets its mirror
        image too; ``n_levels`` pyramid levels for sources much larger than the faces they land on.
        """
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
        crop = _crop_bgra(img, x0, y0, x1, y1)
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


def _crop_bgra(image: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
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


def face_outline(extended: np.ndarray) -> np.ndarray:
    """The swapped region's outline: jaw 0..16, then the forehead band right to left, ``(27, 2)``.

    The band sits :data:`FOREHEAD_BAND` of the way from each brow point to the forehead point
    above it (high enough for the brows and the skin above them, low enough to leave the hair).
    """
    ext = np.asarray(extended, np.float64)
    brows = ext[_BROWS]
    band = brows + FOREHEAD_BAND * (ext[N_LANDMARKS:_INNER] - brows)
    return np.concatenate([ext[_JAW], band[::-1]])


def face_mask(
    roi: render.Roi,
    outline: np.ndarray,
    landmarks: np.ndarray,
    scale: float,
    *,
    keep_eyes: bool = True,
    keep_mouth: bool = True,
) -> np.ndarray:
    """Soft float32 ``[0, 1]`` mask of the swapped face over ``roi = (x0, y0, width, height)``.

    1 inside ``outline`` (frame pixels), fading to 0 at it over :data:`FEATHER` x ``scale``
    pixels; 0 in soft holes at the eyes (``keep_eyes``) and in the open mouth (``keep_mouth``).
    """
    x0, y0, w, h = roi
    feather = max(FEATHER * scale, 1.0)
    pts = np.asarray(outline, np.float64)
    centre = pts.mean(0)
    d = pts - centre
    n = np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-9)
    shrunk = pts - d / n * np.minimum(feather, 0.5 * n)
    if feather >= 4 and min(w, h) >= 16:  # a wide soft edge: draw and blur at half the resolution
        half = np.zeros(((h + 1) // 2, (w + 1) // 2), np.float32)
        cv2.fillPoly(half, [_fixed((shrunk - (x0, y0) - 0.5) / 2)], 1.0, cv2.LINE_AA, shift=4)
        half = cv2.GaussianBlur(half, (0, 0), feather / 4)
        mask = cv2.resize(half, (half.shape[1] * 2, half.shape[0] * 2), interpolation=cv2.INTER_LINEAR)[:h, :w]
    else:
        mask = np.zeros((h, w), np.float32)
        cv2.fillPoly(mask, [_fixed(shrunk - (x0, y0))], 1.0, cv2.LINE_AA, shift=4)
        mask = cv2.GaussianBlur(mask, (0, 0), feather / 2)
    mask = np.ascontiguousarray(mask)
    lm = np.asarray(landmarks, np.float64)
    holes = []
    if keep_eyes:
        for eye in (lm[36:42], lm[42:48]):
            c = eye.mean(0)
            holes.append(c + (eye - c) * EYE_HOLE)
    if keep_mouth and _gap(lm, ((61, 67), (62, 66), (63, 65))) > MOUTH_HOLE_MIN * scale:
        inner = lm[60:68]
        c = inner.mean(0)
        holes.append(c + (inner - c) * MOUTH_HOLE)
    sigma = max(HOLE_FEATHER * scale, 0.6)
    for hole in holes:
        win = render.frame_roi(hole - (x0, y0), (h, w), margin=math.ceil(3 * sigma) + 1)
        if win is None:
            continue
        wx, wy, ww, wh = win
        patch = np.zeros((wh, ww), np.float32)
        cv2.fillPoly(patch, [_fixed(hole - (x0 + wx, y0 + wy))], 1.0, cv2.LINE_AA, shift=4)
        patch = cv2.GaussianBlur(patch, (0, 0), sigma)
        mask[wy : wy + wh, wx : wx + ww] *= 1.0 - patch
    return mask


def _gap(lm: np.ndarray, pairs: tuple[tuple[int, int], ...]) -> float:
    return float(np.mean([np.linalg.norm(lm[a] - lm[b]) for a, b in pairs]))


def _fixed(pts: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(pts) * 16).astype(np.int32)


def lab_stats(image_bgr: np.ndarray, mask: np.ndarray, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation ``(3,)`` float64 of ``image_bgr`` in 8-bit CIE Lab where ``mask > threshold``.

    8-bit Lab is OpenCV's: L scaled to 0..255, a and b offset by 128. Raises ``ValueError`` when
    the mask selects fewer than 10 pixels.
    """
    sel = np.asarray(mask) > threshold
    if sel.sum() < 10:
        raise ValueError("lab_stats: the mask selects fewer than 10 pixels")
    lab = cv2.cvtColor(np.ascontiguousarray(image_bgr), cv2.COLOR_BGR2Lab)[sel].astype(np.float64)
    return lab.mean(0), lab.std(0)


def match_colour(
    source_bgr: np.ndarray,
    target_bgr: np.ndarray,
    mask: np.ndarray,
    colour: float = 1.0,
    lightness: float = 1.0,
    shading_sigma: float | None = None,
) -> np.ndarray:
    """``source_bgr`` recoloured like ``target_bgr`` (both HxWx3 ``uint8`` BGR, same size) inside ``mask``.

    In CIE Lab, the source's mean and std where ``mask > 0.5`` move to the target's: ``colour``
    (0..1) of the way for a and b (hue and saturation), ``lightness`` (0..1) for L (std ratios
    kept under 4/3, so lips and freckles are not blown up, and over 3/4 for L and 1/4 for a and b:
    a grey photo takes nearly all colour out of a colour face). With ``shading_sigma`` (pixels)
    L is then multiplied by the ratio of the target's to the source's L, both blurred by that
    sigma inside the mask, ``lightness`` of the way: the target's shading carries over. Returns
    a new BGR ``uint8`` image.
    """
    if source_bgr.shape != target_bgr.shape or source_bgr.shape[:2] != mask.shape:
        raise ValueError(f"match_colour: sizes differ: {source_bgr.shape}, {target_bgr.shape}, mask {mask.shape}")
    amount = np.clip(np.array([lightness, colour, colour], np.float32), 0.0, 1.0)
    inside = (mask > 0.5).astype(np.uint8)
    if not amount.any() or cv2.countNonZero(inside) < 20:
        return source_bgr.copy()
    lab = cv2.cvtColor(source_bgr, cv2.COLOR_BGR2Lab)
    target_lab = cv2.cvtColor(target_bgr, cv2.COLOR_BGR2Lab)
    ms, ss = (v.ravel() for v in cv2.meanStdDev(lab, mask=inside))
    mt, st = (v.ravel() for v in cv2.meanStdDev(target_lab, mask=inside))
    gain = 1.0 + amount * (np.clip((st + 1.0) / (ss + 1.0), GAIN_MIN, 4 / 3) - 1.0)
    mean = ms + amount * (mt - ms)
    m = np.hstack([np.diag(gain), (mean - gain * ms)[:, None]]).astype(np.float32)
    lab = cv2.transform(lab, m)  # saturating 8-bit
    if shading_sigma and amount[0] > 0:
        light = lab[..., 0].astype(np.float32)
        light *= _shading_ratio(light, target_lab[..., 0], mask, float(amount[0]), shading_sigma)
        lab[..., 0] = np.clip(light + 0.5, 0, 255).astype(np.uint8)
    return cv2.cvtColor(lab, cv2.COLOR_Lab2BGR)


def _shading_ratio(
    source_l: np.ndarray, target_l: np.ndarray, mask: np.ndarray, amount: float, sigma: float
) -> np.ndarray:
    """Per-pixel factor (float32, the mask's size) moving the source's blurred lightness to the target's.

    ``source_l`` and ``target_l`` are the 8-bit Lab L channels. The blurs are normalised by the
    blurred mask (only face pixels count) and taken at a quarter of the resolution (the ratio is
    smooth by construction); the factor's mean inside the mask is 1 (the Lab match already set
    the mean).
    """
    h, w = mask.shape
    size = (max(1, w // 4), max(1, h // 4))
    m = cv2.resize(mask, size, interpolation=cv2.INTER_AREA)
    ls = cv2.resize(source_l, size, interpolation=cv2.INTER_AREA)
    lt = cv2.resize(target_l, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    s = max(sigma / 4, 0.8)
    wm = cv2.GaussianBlur(m, (0, 0), s) + 1e-3
    bs = cv2.GaussianBlur(ls * m, (0, 0), s) / wm
    bt = cv2.GaussianBlur(lt * m, (0, 0), s) / wm
    ratio = np.clip((bt + 8.0) / (bs + 8.0), 0.6, 1.6)
    ratio /= float((ratio * m).sum() / max(float(m.sum()), 1e-6))
    ratio = 1.0 + amount * (ratio - 1.0)
    return cv2.resize(ratio, (w, h), interpolation=cv2.INTER_LINEAR)


def swap_face(
    out: np.ndarray,
    target: np.ndarray,
    source: SourceFace,
    *,
    morph: float = 1.0,
    colour: float = 1.0,
    lightness: float = 1.0,
    keep_eyes: bool = True,
    keep_mouth: bool = True,
    target_yaw: float | None = None,
    poisson: bool = False,
    map_step: int | None = None,
) -> render.Roi | None:
    """Lay ``source``'s face onto the face with landmarks ``target`` ``(68, 2)`` in ``out``, in place.

    ``out`` is HxWx3 ``uint8`` BGR; the face may be partly outside it. ``morph`` (0..1) blends
    the target's own face (0) into the source's (1); ``colour`` and ``lightness`` (0..1) how far
    the source's hue and saturation, and its lightness and shading, move to the target's
    (:func:`match_colour`); ``keep_eyes`` / ``keep_mouth`` keep the target's eyes and open
    mouth. ``target_yaw`` (degrees) decides with the source's yaw whether the source's far half
    is replaced by its near half's mirror image (:func:`use_mirror`). ``poisson`` blends with
    ``cv2.seamlessClone`` instead of the feathered mask (slow; for comparison). ``map_step`` is
    passed to :func:`render.mesh_maps` (None: 2, exact inside triangles, for regions over 6,000
    pixels). Returns the
    frame region changed, or None.
    """
    if out.ndim != 3 or out.shape[2] != 3 or out.dtype != np.uint8:
        raise ValueError(f"swap_face: out must be HxWx3 uint8 BGR, got {out.shape} {out.dtype}")
    tgt = geometry.as_points(target, N_LANDMARKS, "target")
    morph = float(np.clip(morph, 0.0, 1.0))
    if morph <= 0 or not np.isfinite(tgt).all():
        return None
    sim = geometry.face_similarity(tgt)
    scale = float(np.sqrt(abs(np.linalg.det(sim[:, :2]))))
    if scale < 3:
        return None
    ext = geometry.extend_landmarks(tgt, sim)
    outline = face_outline(ext)
    roi = render.frame_roi(outline, out.shape)
    if roi is None:
        return None
    x0, y0, w, h = roi
    k = int(np.clip(math.floor(math.log2(max(source.scale / scale, 1e-9))), 0, len(source.levels) - 1))
    texture = source.levels[k]
    tris = _drawable(swap_triangles(), ext)
    step = map_step or (2 if w * h > 6_000 else 1)
    pts = source.points / (1 << k)
    n = geometry.N_EXTENDED
    warped = _warp(texture, pts[:n], ext, tris, roi, step)
    if source.mirror and use_mirror(source.yaw, target_yaw):
        # The far half from the mirror image of the near half, blended across the midline.
        mirrored = _warp(texture, pts[n:], ext, tris, roi, step)
        far = np.zeros((h, w), np.float32)
        cv2.fillPoly(far, [_fixed(far_half(ext, source.mirror) - (x0, y0))], 1.0, cv2.LINE_AA, shift=4)
        far = cv2.GaussianBlur(far, (0, 0), max(MIDLINE_FEATHER * scale, 0.8))
        warped = cv2.blendLinear(mirrored, warped, far, 1.0 - far)
    mask = face_mask(roi, outline, tgt, scale, keep_eyes=keep_eyes, keep_mouth=keep_mouth)
    mask *= warped[..., 3].astype(np.float32) * (1.0 / 255.0)
    region = out[y0 : y0 + h, x0 : x0 + w]
    face = cv2.cvtColor(warped, cv2.COLOR_BGRA2BGR)
    if colour > 0 or lightness > 0:
        face = match_colour(face, region, mask, colour, lightness, SHADING_SIGMA * scale)
    if poisson:
        before = region.copy()
        if _poisson(out, roi, face, mask):
            if morph < 1:
                region[...] = cv2.addWeighted(region, morph, before, 1.0 - morph, 0.0)
            return roi
    a = mask * np.float32(morph)
    region[...] = cv2.blendLinear(face, region, a, 1.0 - a)
    return roi


def _warp(
    texture: np.ndarray, src: np.ndarray, dst: np.ndarray, triangles: np.ndarray, roi: render.Roi, step: int
) -> np.ndarray:
    """``texture`` bent from ``src`` onto ``dst`` points over ``roi``; transparent outside the triangles."""
    map_x, map_y = render.mesh_maps(src, dst, triangles, roi, step)
    return cv2.remap(texture, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def _drawable(triangles: np.ndarray, points: np.ndarray) -> np.ndarray:
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


def _poisson(out: np.ndarray, roi: render.Roi, face: np.ndarray, mask: np.ndarray) -> bool:
    """``cv2.seamlessClone`` of ``face`` into ``out`` over ``roi`` where ``mask > 0.1``; False if it cannot."""
    x0, y0 = roi[:2]
    hard = (mask > 0.1).astype(np.uint8) * 255
    bx, by, bw, bh = cv2.boundingRect(hard)
    fh, fw = out.shape[:2]
    # seamlessClone needs the mask's box (plus a pixel) inside the frame.
    if bw < 3 or bh < 3 or x0 + bx < 1 or y0 + by < 1 or x0 + bx + bw > fw - 1 or y0 + by + bh > fh - 1:
        return False
    centre = (x0 + bx + bw // 2, y0 + by + bh // 2)
    cv2.seamlessClone(face, out, hard, centre, cv2.NORMAL_CLONE, blend=out)
    return True


# ----------------------------------------------------------------------------- the manifest layer


@dataclass(frozen=True)
class SwapSpec:
    """A validated ``swap`` layer (see :mod:`facefilter.filters.manifest`).

    ``image``: the source picture (``None``: the next face in the frame, ``"other_face"``);
    ``points``: its ``(68, 2)`` float64 landmarks in that picture's pixels (``None``: found with
    the landmark model on first use, :func:`facefilter.filters.face_finder.find_face`); ``morph``,
    ``colour``, ``lightness``, ``keep_eyes``, ``keep_mouth`` as in :func:`swap_face`.
    """

    image: Path | None = None
    points: np.ndarray | None = None
    morph: float = 1.0
    colour: float = 1.0
    lightness: float = 1.0
    keep_eyes: bool = True
    keep_mouth: bool = True


OTHER_FACE = "other_face"
SWAP_KEYS = ("source", "source_points", "morph", "colour", "lightness", "keep_eyes", "keep_mouth")
NEEDS_TWO_FACES = "Face swap needs a second face in the picture"


def parse_swap(fields: Any, folder: Path, file_in_folder: Any, image_suffixes: tuple[str, ...]) -> SwapSpec:
    """Validate a ``swap`` layer's own fields; errors name the field (``fields`` is the manifest's
    typed accessor, ``file_in_folder(fields, key, folder, suffixes)`` resolves a file name)."""
    src = fields.string("source")
    image = None if src == OTHER_FACE else file_in_folder(fields, "source", folder, image_suffixes)
    points = None
    if fields.has("source_points"):
        if image is None:
            raise fields.error("source_points", f"only for an image source, not {OTHER_FACE!r}")
        path = file_in_folder(fields, "source_points", folder, (".pts", ".json"))
        try:
            points = read_points(path)
        except ValueError as exc:
            raise fields.error("source_points", str(exc)) from None
    morph = fields.number("morph", 1.0, 0.0, 1.0)
    colour = fields.number("colour", 1.0, 0.0, 1.0)
    lightness = fields.number("lightness", 1.0, 0.0, 1.0)
    keep = {}
    for key in ("keep_eyes", "keep_mouth"):
        v = fields.table.get(key, True)
        if not isinstance(v, bool):
            raise fields.error(key, f"expected true or false, got {v!r}")
        keep[key] = v
    return SwapSpec(image, points, morph, colour, lightness, **keep)


def read_points(path: Path) -> np.ndarray:
    """``(68, 2)`` float64 landmarks from a ``.json`` list of 68 ``[x, y]`` (0-based pixels, this
    project's convention) or a 300-W ``.pts`` file (1-based, converted); ``ValueError`` naming the file."""
    path = Path(path)
    if path.suffix.lower() == ".pts":
        from facefilter.data import parse_pts

        return parse_pts(path).astype(np.float64)
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name}: cannot read ({exc})") from None
    pts = np.asarray(data.get("points") if isinstance(data, dict) else data, dtype=object)
    try:
        arr = np.asarray(pts.tolist(), dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{path.name}: expected 68 [x, y] pairs of numbers") from None
    if arr.shape != (N_LANDMARKS, 2) or not np.isfinite(arr).all():
        raise ValueError(f"{path.name}: expected 68 finite [x, y] pairs, got shape {arr.shape}")
    return arr


class SwapLayer:
    """A ``swap`` layer ready to draw: the other face in the frame, or a picture's face, on every face.

    ``status`` says why nothing was drawn in the last frame (``""`` when something was).
    ``morph`` overrides the manifest's blend weight when not ``None`` (the app's slider).
    """

    def __init__(self, spec: SwapSpec, image: np.ndarray | None, filter_name: str, field: str) -> None:
        self.spec = spec
        self.filter_name = filter_name
        self.field = field
        self.morph: float | None = None
        self.status = ""
        self._image = image
        self._source: SourceFace | None = None
        self._error = ""
        if spec.image is not None and image is None:
            raise ValueError(f"{filter_name}: {field}: the source image was not read")
        if image is not None and spec.points is not None:
            self._source = self._prepare(spec.points)

    @property
    def default_morph(self) -> float:
        return self.spec.morph

    def _prepare(self, points: np.ndarray) -> SourceFace:
        assert self._image is not None
        h, w = self._image.shape[:2]
        yaw = face_yaw(points, (w, h))
        return SourceFace.from_image(self._image, points, yaw=yaw, max_scale=MAX_SOURCE_SCALE, n_levels=4)

    def _image_source(self) -> SourceFace | None:
        """The picture's face, its landmarks found on first use; None (and ``status``) if it has none."""
        if self._source is None and not self._error and self.spec.image is not None:
            from facefilter.filters.face_finder import find_face  # the detector and the model: heavy, only now

            try:
                self._source = self._prepare(find_face(self._image, self.spec.image.name))
            except ValueError as exc:
                self._error = f"filter '{self.filter_name}': {self.field}: {exc}"
        return self._source

    def draw(self, frame: np.ndarray, out: np.ndarray, faces: Sequence[Any], weights: Sequence[float]) -> None:
        """Swap onto every face in ``out``, reading sources from ``frame`` (the picture before any layer).

        ``faces`` have ``landmarks`` ``(68, 2)`` in frame pixels and optionally ``pose`` (a
        :class:`~facefilter.types.HeadPose`; estimated from the landmarks when absent);
        ``weights`` (one per face, 0..1) scale the morph (opacity and conditions).
        """
        morph = self.spec.morph if self.morph is None else float(np.clip(self.morph, 0.0, 1.0))
        spec = self.spec
        kw = {"colour": spec.colour, "lightness": spec.lightness, "keep_eyes": spec.keep_eyes,
              "keep_mouth": spec.keep_mouth}
        h, w = frame.shape[:2]
        yaws = [_pose_yaw(face, (w, h)) for face in faces]
        if self.spec.image is not None:
            source = self._image_source()
            self.status = self._error
            if source is None:
                return
            for face, weight, yaw in zip(faces, weights, yaws, strict=True):
                swap_face(out, face.landmarks, source, morph=morph * weight, target_yaw=yaw, **kw)
            return
        if len(faces) < 2:
            self.status = NEEDS_TWO_FACES
            return
        self.status = ""
        # Each face gets the next one's, left to right and round: two faces trade.
        order = sorted(range(len(faces)), key=lambda i: float(np.mean(faces[i].landmarks[:, 0])))
        sources: list[SourceFace | None] = []
        for i in order:
            try:
                sources.append(SourceFace.from_image(frame, faces[i].landmarks, yaw=yaws[i]))
            except ValueError:  # a face too small to take from
                sources.append(None)
        for j, i in enumerate(order):
            source = sources[(j + 1) % len(order)]
            if source is not None:
                swap_face(out, faces[i].landmarks, source, morph=morph * weights[i], target_yaw=yaws[i], **kw)


def face_yaw(landmarks: np.ndarray, frame_size: tuple[int, int]) -> float | None:
    """The yaw in degrees of a face with ``(68, 2)`` ``landmarks`` in a frame of ``(width, height)``
    (:func:`facefilter.pose.estimate_pose`), ``None`` when it cannot be estimated."""
    from facefilter.pose import estimate_pose

    try:
        return float(estimate_pose(landmarks, frame_size).yaw)
    except ValueError:
        return None


def _pose_yaw(face: Any, frame_size: tuple[int, int]) -> float | None:
    """A face's yaw: its ``head_pose()`` (the engine's, estimated once and shared by its layers),
    its ``pose``, or estimated here."""
    head_pose = getattr(face, "head_pose", None)
    if callable(head_pose):
        try:
            return float(head_pose().yaw)
        except ValueError:
            pass
    pose = getattr(face, "pose", None)
    return float(pose.yaw) if pose is not None else face_yaw(face.landmarks, frame_size)
