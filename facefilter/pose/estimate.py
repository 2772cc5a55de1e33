"""Head pose of one face: the mean face's rigid points fitted to its 68 image points (perspective).

The camera is a pinhole with square pixels, no distortion, its principal point at the frame's
centre ``((width - 1) / 2, (height - 1) / 2)`` (pixel origin at the centre of the top-left pixel)
and, unless given, a focal length of the frame's longer side in pixels (a 53 deg field of view
across that side, near a laptop webcam's). Only the rigid points are fitted (:data:`RIGID_POINTS`:
brows, nose, eye corners), so speaking, smiling and blinking do not turn the head.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from facefilter.pose.meanface import MEAN_FACE_3D
from facefilter.types import BROW_L, BROW_R, EYE_L, EYE_R, N_LANDMARKS, NOSE, HeadPose

# Brows, nose and the four eye corners: points that move with the skull, not with the mouth or eyelids.
RIGID_POINTS: tuple[int, ...] = BROW_R + BROW_L + NOSE + (36, 39, 42, 45)

_RIGID = np.asarray(RIGID_POINTS)
_OBJECT = np.ascontiguousarray(MEAN_FACE_3D[_RIGID], dtype=np.float64)
_EX_EX_MM = float(np.linalg.norm(MEAN_FACE_3D[36] - MEAN_FACE_3D[45]))
_NO_DISTORTION = np.zeros(4)
_EYE_L, _EYE_R = np.asarray(EYE_L), np.asarray(EYE_R)


def default_camera(frame_size: tuple[int, int], focal: float | None = None) -> tuple[float, tuple[float, float]]:
    """``(focal_px, (cx, cy))`` of the pinhole camera assumed for a ``(width, height)`` frame."""
    try:
        w, h = (float(v) for v in frame_size)
    except (TypeError, ValueError) as e:
        raise ValueError(f"frame_size must be (width, height), got {frame_size!r}") from e
    if not (w > 0 and h > 0):
        raise ValueError(f"frame_size must be positive (width, height), got {frame_size!r}")
    if focal is None:
        focal = max(w, h)
    elif not (math.isfinite(focal) and focal > 0):
        raise ValueError(f"focal must be a positive number of pixels, got {focal!r}")
    return float(focal), ((w - 1.0) / 2.0, (h - 1.0) / 2.0)


def _frontal_guess(pts: np.ndarray, focal: float, center: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """A start for the fit: upright-to-eye-line rotation, distance from the eye-corner span."""
    d = pts[_EYE_L].mean(0) - pts[_EYE_R].mean(0)
    # A rotation by the eye line's angle about the optical axis (Rz(roll)) is the axis-angle (0, 0, roll).
    rvec = np.array([[0.0], [0.0], [math.atan2(float(d[1]), float(d[0]))]])
    (x0, y0), (x1, y1) = pts[36].tolist(), pts[45].tolist()
    span = max(math.hypot(x1 - x0, y1 - y0), 1e-3)
    z = focal * _EX_EX_MM / span
    mx, my = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    return rvec, np.array([[(mx - center[0]) * z / focal], [(my - center[1]) * z / focal], [z]])


def estimate_pose(
    landmarks: np.ndarray,
    frame_size: tuple[int, int],
    previous: HeadPose | None = None,
    focal: float | None = None,
) -> HeadPose:
    """The :class:`HeadPose` of a face from its ``(68, 2)`` image points (pixels, iBUG order).

    ``frame_size`` is ``(width, height)`` of the frame the points are in; ``focal`` (pixels)
    overrides the default focal length (the longer side). ``previous``, the same face's pose in
    the last frame, starts the fit there (Levenberg-Marquardt on the reprojection error of the
    rigid points); without it the fit starts from an upright frontal face at the distance the
    eye-corner span implies, which converges over yaw and pitch of +-60 deg.
    """
    pts = np.asarray(landmarks, dtype=np.float64)
    if pts.shape != (N_LANDMARKS, 2):
        raise ValueError(f"landmarks must have shape (68, 2), got {pts.shape}")
    if not np.isfinite(pts).all():
        raise ValueError("landmarks must be finite")
    f, center = default_camera(frame_size, focal)
    cam = np.array([[f, 0.0, center[0]], [0.0, f, center[1]], [0.0, 0.0, 1.0]])
    image = np.ascontiguousarray(pts[_RIGID])
    if previous is not None and previous.tvec[2] > 0:
        rvec0, tvec0 = previous.rvec.reshape(3, 1).copy(), previous.tvec.reshape(3, 1).copy()
    else:
        rvec0, tvec0 = _frontal_guess(pts, f, center)
    ok, rvec, tvec = cv2.solvePnP(_OBJECT, image, cam, _NO_DISTORTION, rvec0, tvec0, useExtrinsicGuess=True,
                                  flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok or not np.isfinite(tvec).all() or tvec[2, 0] <= 0:
        ok, rvec, tvec = cv2.solvePnP(_OBJECT, image, cam, _NO_DISTORTION, flags=cv2.SOLVEPNP_SQPNP)
        if not ok:
            raise ValueError("no head pose fits these landmarks")
    return HeadPose.from_rvec(rvec.reshape(3), tvec.reshape(3), f, center)
