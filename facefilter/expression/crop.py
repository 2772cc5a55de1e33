"""Cropping a face the way FER-2013 frames its faces, from the face's 68 landmarks (numpy + cv2).

FER-2013's 48x48 faces come from a face detector's square boxes: the face fills the square from
the brows to the chin, with a little margin. :data:`FER_TEMPLATE` is where our landmark network
puts the 68 points on FER+ faces, on average, in 48x48 crop pixels (origin at the centre of the
top-left pixel), measured by :mod:`facefilter.train.expression_framing` (stored in
``fer_frame.json`` beside this file). A live face is framed by the scale-and-shift (no rotation:
FER faces are not levelled either) that best maps its points onto the template, in least squares.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import cv2
import numpy as np

from facefilter.landmarks.crop import area_prefilter

CROP_SIZE = 48
FRAME_FILE = "fer_frame.json"


@cache
def fer_template() -> np.ndarray:
    """``(68, 2)`` float64 mean landmark positions on FER faces, 48x48 crop pixels."""
    text = resources.files("facefilter.expression").joinpath(FRAME_FILE).read_text(encoding="utf-8")
    pts = np.asarray(json.loads(text)["mean_points"], dtype=np.float64)
    if pts.shape != (68, 2):
        raise ValueError(f"{FRAME_FILE}: mean_points must be (68, 2), got {pts.shape}")
    return pts


def fer_crop_matrix(landmarks: np.ndarray, template: np.ndarray | None = None, size: int = CROP_SIZE) -> np.ndarray:
    """2x3 float64 matrix mapping frame pixels to the ``size`` x ``size`` FER-style crop of a face.

    ``landmarks``: ``(68, 2)`` frame pixels. The matrix is ``[[s, 0, tx], [0, s, ty]]`` with the
    least-squares ``s``, ``t`` putting the landmarks on ``template`` (default :func:`fer_template`,
    scaled from 48 px to ``size``).
    """
    p = np.asarray(landmarks, dtype=np.float64)
    if p.shape != (68, 2) or not np.isfinite(p).all():
        raise ValueError(f"landmarks must be finite with shape (68, 2), got {p.shape}")
    t = (fer_template() if template is None else np.asarray(template, np.float64))
    t = (t + 0.5) * (size / CROP_SIZE) - 0.5
    pm, tm = p.mean(0), t.mean(0)
    pc, tc = p - pm, t - tm
    denom = float((pc * pc).sum())
    if denom <= 1e-9:
        raise ValueError("landmarks are collapsed to one point")
    s = float((pc * tc).sum()) / denom
    off = tm - s * pm
    return np.array([[s, 0.0, off[0]], [0.0, s, off[1]]])


def fer_crops(frame: np.ndarray, landmarks: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """``(N, size, size)`` uint8 grey FER-style crops of the faces with ``(N, 68, 2)`` landmarks.

    ``frame``: HxWx3 uint8 BGR or HxW uint8 grey. Large faces are area-averaged before the warp
    (as FER's faces were shrunk to 48 px); outside the frame the edge pixels are repeated.
    """
    if frame.dtype != np.uint8 or frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] != 3):
        raise ValueError(f"frame must be HxW or HxWx3 uint8, got {frame.shape} {frame.dtype}")
    lms = np.asarray(landmarks, dtype=np.float64).reshape(-1, 68, 2)
    out = np.zeros((len(lms), size, size), np.uint8)
    for i, lm in enumerate(lms):
        m = fer_crop_matrix(lm, size=size)
        # Only the face's region is resampled (and made grey after the warp): a whole-frame
        # conversion would cost more than the network.
        small, mats = area_prefilter(frame, m[None], size, max_step=1.0)
        crop = cv2.warpAffine(small, mats[0], (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        out[i] = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    return out
