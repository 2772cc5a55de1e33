"""The tracked faces as a person mask: what keeps a face out of the background effect when the
segmenter misses it.

The selfie model sometimes loses a person it should see: a face that fills the picture with no
shoulders under it, a photo held up in a black frame, harsh light. The tracker still has the face,
so :func:`face_mask` draws each face's region (the convex hull of its 68 points and of its brows
raised over the forehead) as person, with a soft edge outward only, and the effect takes the larger
of that and the segmenter's mask: the face itself is never blurred or replaced, while hair,
shoulders and the edge stay the segmenter's. Only the main faces count: a face under
:data:`MIN_SIZE` of the largest one's size (a photo on the wall, someone far behind, a false
detection) is left to the segmenter.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import cv2
import numpy as np

from facefilter.types import BROW_L, BROW_R, N_LANDMARKS, OUTER_EYE_CORNERS

FOREHEAD = 0.55  # brows raised by this share of the outer eye-corner distance (~50 mm): the hairline
FEATHER = 0.06  # soft outer edge, as a share of the outer eye-corner distance (sigma)
MIN_SIZE = 0.5  # faces whose eye-corner distance is under this share of the largest face's are left out
_BROWS = np.asarray(BROW_R + BROW_L)
_SHIFT = 4  # fixed-point bits of the polygon corners (1/16 px)


def face_points(landmarks: np.ndarray) -> np.ndarray | None:
    """``(78, 2)`` float64: the 68 points and the 10 brow points raised over the forehead; None when
    the landmarks are not a finite (68, 2) array or the eyes coincide."""
    lm = np.asarray(landmarks, np.float64)
    if lm.shape != (N_LANDMARKS, 2) or not np.isfinite(lm).all():
        return None
    a, b = OUTER_EYE_CORNERS
    d = lm[b] - lm[a]
    span = float(np.hypot(d[0], d[1]))
    if span < 1e-6:
        return None
    up = np.array([d[1], -d[0]]) / span  # perpendicular to the eye line, towards the top of the head
    return np.concatenate([lm, lm[_BROWS] + up * (FOREHEAD * span)])


def face_mask(faces: Iterable[Any], frame_shape: tuple[int, ...], shape: tuple[int, int]) -> np.ndarray | None:
    """float32 ``shape`` (h, w) mask of the faces (objects with ``landmarks`` (68, 2) in the pixels of a
    frame of ``frame_shape`` (H, W, ...), or such arrays): 1 inside each main face's region (see
    :data:`MIN_SIZE`), falling to 0 over a few pixels outside it. None when there is no usable face.
    """
    fh, fw = frame_shape[:2]
    h, w = shape
    sx, sy = w / fw, h / fh
    a, b = OUTER_EYE_CORNERS
    found = [p for p in (face_points(getattr(face, "landmarks", face)) for face in faces) if p is not None]
    spans = [float(np.hypot(*(p[b] - p[a]))) for p in found]
    canvas: np.ndarray | None = None
    for pts, span in zip(found, spans, strict=True):
        if span < MIN_SIZE * max(spans):
            continue
        # Frame pixel centres -> mask pixel centres.
        p = np.empty_like(pts)
        p[:, 0] = (pts[:, 0] + 0.5) * sx - 0.5
        p[:, 1] = (pts[:, 1] + 0.5) * sy - 0.5
        sigma = FEATHER * float(np.hypot(*(p[b] - p[a])))
        pad = int(np.ceil(3 * sigma)) + 2
        x0, y0 = np.floor(p.min(0)).astype(int) - pad
        x1, y1 = np.ceil(p.max(0)).astype(int) + pad + 1
        cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if cx1 <= cx0 or cy1 <= cy0:
            continue  # wholly outside the picture
        # Drawn in a padded box of its own (so the blur sees the polygon's edge even at the frame's
        # border), then the part inside the mask is kept.
        box = np.zeros((y1 - y0, x1 - x0), np.uint8)
        hull = cv2.convexHull(np.round((p - (x0, y0)) * (1 << _SHIFT)).astype(np.int32))
        cv2.fillConvexPoly(box, hull, 255, lineType=cv2.LINE_AA, shift=_SHIFT)
        soft = box.astype(np.float32) * np.float32(2.0 / 255.0)  # 1 on the outline after the blur, then
        if sigma > 0.3:
            soft = cv2.GaussianBlur(soft, (0, 0), sigma)  # doubled: 1 inside, fading outward only
        np.minimum(soft, 1.0, out=soft)
        if canvas is None:
            canvas = np.zeros((h, w), np.float32)
        part = canvas[cy0:cy1, cx0:cx1]
        np.maximum(part, soft[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0], out=part)
    return canvas
