"""The seam: where the swapped face shows, and how its edge meets the target's skin.

:func:`face_mask` is a soft float32 mask over a region of the frame: 1 inside the swapped
region's outline (:func:`~facefilter.filters.swap.mesh.face_outline`: jaw, and a band just above
the brows, so hair and the upper forehead stay the target's), fading to 0 at the outline over
:data:`FEATHER` inter-ocular units. When the target's mouth is open, the inner-lip polygon is a
soft hole: the target's own teeth and tongue show between the source's lips. Holes at the eyes
(the target's own eyes) are an option (``keep_eyes``), not the default.

Feathered against gradient-domain: ``cv2.seamlessClone`` (Poisson, ``poisson=True`` in
:func:`~facefilter.filters.swap.swap_face`) costs several times the feathered mask and changes the
colour step across the edge little once the tone is matched (``facefilter-bench swap``), so the
app feathers.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from facefilter.filters import render

FEATHER = 0.1  # template units (about the inter-ocular distance): soft edge inside the outline
HOLE_FEATHER = 0.02  # template units: soft edge of the eye and mouth holes
EYE_HOLE = 1.12  # eye holes (keep_eyes) are the eye contour scaled by this about its centre
MOUTH_HOLE = 1.1  # the mouth hole is the inner-lip contour scaled by this about its centre
MOUTH_HOLE_MIN = 0.03  # inner-lip gap (template units) above which the target's mouth interior shows
MIDLINE_FEATHER = 0.05  # template units: soft seam between a face's half and its mirrored other half


def fixed(pts: np.ndarray) -> np.ndarray:
    """Points as int32 with 4 fractional bits (``cv2.fillPoly(..., shift=4)``)."""
    return np.round(np.asarray(pts) * 16).astype(np.int32)


def lip_gap(lm: np.ndarray) -> float:
    """Mean distance in pixels between the inner lips (61-67, 62-66, 63-65) of ``(68, 2)`` landmarks."""
    return float(np.mean([np.linalg.norm(lm[a] - lm[b]) for a, b in ((61, 67), (62, 66), (63, 65))]))


def face_mask(
    roi: render.Roi,
    outline: np.ndarray,
    landmarks: np.ndarray,
    scale: float,
    *,
    keep_eyes: bool = False,
    keep_mouth: bool = True,
) -> np.ndarray:
    """Soft float32 ``[0, 1]`` mask of the swapped face over ``roi = (x0, y0, width, height)``.

    1 inside ``outline`` (frame pixels), fading to 0 at it over :data:`FEATHER` x ``scale``
    pixels; soft holes at the eyes (``keep_eyes``) and, when the mouth is open, inside the inner
    lips (``keep_mouth``).
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
        cv2.fillPoly(half, [fixed((shrunk - (x0, y0) - 0.5) / 2)], 1.0, cv2.LINE_AA, shift=4)
        half = cv2.GaussianBlur(half, (0, 0), feather / 4)
        mask = cv2.resize(half, (half.shape[1] * 2, half.shape[0] * 2), interpolation=cv2.INTER_LINEAR)[:h, :w]
    else:
        mask = np.zeros((h, w), np.float32)
        cv2.fillPoly(mask, [fixed(shrunk - (x0, y0))], 1.0, cv2.LINE_AA, shift=4)
        mask = cv2.GaussianBlur(mask, (0, 0), feather / 2)
    mask = np.ascontiguousarray(mask)
    lm = np.asarray(landmarks, np.float64)
    holes = []
    if keep_eyes:
        for eye in (lm[36:42], lm[42:48]):
            c = eye.mean(0)
            holes.append(c + (eye - c) * EYE_HOLE)
    if keep_mouth and lip_gap(lm) > MOUTH_HOLE_MIN * scale:
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
        cv2.fillPoly(patch, [fixed(hole - (x0 + wx, y0 + wy))], 1.0, cv2.LINE_AA, shift=4)
        patch = cv2.GaussianBlur(patch, (0, 0), sigma)
        mask[wy : wy + wh, wx : wx + ww] *= 1.0 - patch
    return mask


def poisson(out: np.ndarray, roi: render.Roi, face: np.ndarray, mask: np.ndarray) -> bool:
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

