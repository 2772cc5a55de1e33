"""The one face of a picture: our detector and the accurate landmark ensemble, loaded for the call.

Used by :func:`facefilter.filters.face_from_photo` and by ``swap`` layers whose picture comes
without landmarks. Images are BGR ``uint8``; points are pixels with the origin at the centre of
the top-left pixel. The detector and the model are imported only when called (they are heavy).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from facefilter.types import N_LANDMARKS

WORK_SIDE = 1600  # pictures are searched for faces at most this large (px, longer side)


def find_face(image: np.ndarray, name: str, *, detector: Any = None, model: Any = None) -> np.ndarray:
    """The ``(68, 2)`` float64 landmarks of the one face in ``image`` (HxWx3 BGR or HxWx4 BGRA ``uint8``).

    ``name`` (the file's) goes into the errors. Photos larger than :data:`WORK_SIDE` are searched
    reduced; the points are in ``image``'s pixels. ``detector`` (``detect(bgr) -> [Detection]``)
    and ``model`` (``predict(bgr, boxes, angles) -> (N, 68, 2)``) default to BlazeFace and the
    shipped ensemble, loaded for this call. Raises ``ValueError`` naming ``name`` when the image
    holds no face or several.
    """
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] not in (3, 4) or img.dtype != np.uint8:
        raise ValueError(f"{name!r}: expected a colour image, got {img.shape} {img.dtype}")
    bgr = np.ascontiguousarray(img[..., :3])
    f = min(1.0, WORK_SIDE / max(bgr.shape[:2]))
    if f < 1.0:
        size = (max(1, round(bgr.shape[1] * f)), max(1, round(bgr.shape[0] * f)))
        bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    own_detector = detector is None
    if own_detector:
        from facefilter.detect import BlazeFaceDetector

        detector = BlazeFaceDetector()
    try:
        found = detector.detect(bgr)
    finally:
        if own_detector:
            detector.close()
    if not found:
        raise ValueError(f"no face found in {name!r}; pick a photo with one face, seen from the front")
    if len(found) > 1:
        raise ValueError(f"{len(found)} faces in {name!r}; pick a photo with exactly one face")
    if model is None:
        from facefilter.landmarks import LandmarkModel

        model = LandmarkModel.load()
    det = found[0]
    box = det.crop_box()
    pts = model.predict(bgr, np.array([[box.left, box.top, box.width, box.height]]), np.array([det.roll]))[0]
    pts = np.asarray(pts, np.float64)
    if pts.shape != (N_LANDMARKS, 2) or not np.isfinite(pts).all():
        raise ValueError(f"{name!r}: the landmark model gave no usable points")
    return (pts + 0.5) / f - 0.5  # back to the full image's pixels
