"""One face swapped: :func:`swap_face` lays a :class:`~facefilter.filters.swap.mesh.SourceFace` onto
the face with given landmarks, in place.

1. **Warp** (:mod:`.mesh`): the source texture is bent piecewise-affinely from the source's
   extended points onto the target's, so its eyes, brows, nose and mouth take the target's
   shapes (a blink or a word of the target's moves the source's lids and lips).
2. **Mirror** (:mod:`.turn`): when the target shows more of the source's hidden half than the
   source does, that half is read from the mirror image of the visible half, faded in with the
   turn (:func:`~facefilter.filters.swap.turn.mirror_weight`); a profile onto a face seen from
   the front fades the swap out (:func:`~facefilter.filters.swap.turn.turn_weight`).
3. **Mask** (:mod:`.blend`): the region inside the jaw and just above the brows, feathered, with
   the target's mouth interior kept when it is open; times the warped source's alpha (a source
   face partly outside its picture leaves the target's skin there).
4. **Colour and light** (:mod:`.colour`): the source's tone towards the target's, then the
   target's shading.
5. **Blend**: ``target + (source - target) * mask * morph`` (``morph`` 0: the target's own face).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

from facefilter.filters import geometry, render
from facefilter.filters.swap import blend, mesh, turn
from facefilter.filters.swap import colour as light
from facefilter.types import N_LANDMARKS

SHADING_SIGMA = 0.22  # template units: blur of the lightness ratio that carries the target's shading


def swap_face(
    out: np.ndarray,
    target: np.ndarray,
    source: mesh.SourceFace,
    *,
    morph: float = 1.0,
    colour: float = 1.0,
    lightness: float = 1.0,
    keep_eyes: bool = False,
    keep_mouth: bool = True,
    target_yaw: float | None = None,
    poisson: bool = False,
    map_step: int | None = None,
    tone: Callable[[light.ToneStats], light.ToneStats] | None = None,
) -> render.Roi | None:
    """Lay ``source``'s face onto the face with landmarks ``target`` ``(68, 2)`` in ``out``, in place.

    ``out`` is HxWx3 ``uint8`` BGR; the face may be partly outside it. ``morph`` (0..1) blends
    the target's own face (0) into the source's (1); ``colour`` and
    ``lightness`` (0..1) how far the source's hue and saturation, and its lightness and shading,
    move to the target's (:func:`.colour.match_colour`); ``keep_eyes`` keeps the target's own
    eyes, ``keep_mouth`` the target's open mouth interior. ``target_yaw`` (degrees,
    :func:`turn.ray_yaw`) decides with the source's whether the source's far half is replaced by
    its near half's mirror image. ``poisson`` blends with ``cv2.seamlessClone`` (slow; for
    comparison). ``map_step`` is passed to :func:`render.mesh_maps` (None: 2, exact inside
    triangles, for regions over 6,000 pixels). ``tone`` maps this frame's Lab statistics to those
    used (a face's smoothed ones, see :class:`facefilter.filters.swap.sources.SwapLayer`).
    Returns the frame region changed, or None.
    """
    if out.ndim != 3 or out.shape[2] != 3 or out.dtype != np.uint8:
        raise ValueError(f"swap_face: out must be HxWx3 uint8 BGR, got {out.shape} {out.dtype}")
    tgt = geometry.as_points(target, N_LANDMARKS, "target")
    morph = float(np.clip(morph, 0.0, 1.0)) * turn.turn_weight(source.yaw, target_yaw)
    if morph <= 0 or not np.isfinite(tgt).all():
        return None
    sim = geometry.face_similarity(tgt)
    scale = float(np.sqrt(abs(np.linalg.det(sim[:, :2]))))
    if scale < 3:
        return None
    ext = geometry.extend_landmarks(tgt, sim)
    outline = mesh.face_outline(ext)
    roi = render.frame_roi(outline, out.shape)
    if roi is None:
        return None
    x0, y0, w, h = roi
    k = int(np.clip(math.floor(math.log2(max(source.scale / scale, 1e-9))), 0, len(source.levels) - 1))
    texture = source.levels[k]
    tris = mesh.drawable(mesh.swap_triangles(), ext)
    step = map_step or (2 if w * h > 6_000 else 1)
    pts = source.points / (1 << k)
    n = geometry.N_EXTENDED
    warped = mesh.warp(texture, pts[:n], ext, tris, roi, step)
    weight = turn.mirror_weight(source.yaw, target_yaw) if source.mirror else 0.0
    if weight > 0:
        # The far half from the mirror image of the near half, blended across the midline.
        mirrored = mesh.warp(texture, pts[n:], ext, tris, roi, step)
        far = np.zeros((h, w), np.float32)
        cv2.fillPoly(far, [blend.fixed(mesh.far_half(ext, source.mirror) - (x0, y0))], 1.0, cv2.LINE_AA, shift=4)
        far = cv2.GaussianBlur(far, (0, 0), max(blend.MIDLINE_FEATHER * scale, 0.8)) * np.float32(weight)
        warped = cv2.blendLinear(mirrored, warped, far, 1.0 - far)
    mask = blend.face_mask(roi, outline, tgt, scale, keep_eyes=keep_eyes, keep_mouth=keep_mouth)
    mask *= warped[..., 3].astype(np.float32) * (1.0 / 255.0)
    region = out[y0 : y0 + h, x0 : x0 + w]
    face = cv2.cvtColor(warped, cv2.COLOR_BGRA2BGR)
    if colour > 0 or lightness > 0:
        stats = None
        if tone is not None:
            inside = (mask > 0.5).astype(np.uint8)
            if cv2.countNonZero(inside) >= 20:
                lab_s = cv2.cvtColor(face, cv2.COLOR_BGR2Lab)
                lab_t = cv2.cvtColor(region, cv2.COLOR_BGR2Lab)
                stats = tone(light.tone_stats(lab_s, lab_t, inside))
        face = light.match_colour(face, region, mask, colour, lightness, SHADING_SIGMA * scale, stats)
    if poisson:
        before = region.copy()
        if blend.poisson(out, roi, face, mask):
            if morph < 1:
                region[...] = cv2.addWeighted(region, morph, before, 1.0 - morph, 0.0)
            return roi
    a = mask * np.float32(morph)
    region[...] = cv2.blendLinear(face, region, a, 1.0 - a)
    return roi
