"""How a face moved between two frames: sparse optical flow on its landmarks, fitted by a similarity.

The tracker uses the motion twice: to move last frame's crop onto the face before the network
runs (no crop lag, and the crop keeps its place on the face instead of walking with the network's
own biases), and to carry the smoothed points along before filtering (so the One Euro filter
smooths the shape and noise, not the motion). Images are HxW uint8 grey; points are ``(N, 2)``
float pixels, origin at the centre of the top-left pixel. Matrices are 2x3 float64 similarities
mapping **previous-frame pixels to this frame's pixels** (``cv2.warpAffine`` convention).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from facefilter.types import N_LANDMARKS, OUTER_EYE_CORNERS

#: Points followed by optical flow: brows, nose, eyes and the outer lip line (17..59). They lie on
#: textured parts of the face; the jaw line (0..16) lies on the face's edge, over a background that
#: moves differently, and the inner lips (60..67) move with speech more than with the head.
FLOW_POINTS: tuple[int, ...] = tuple(range(17, 60))

IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


@dataclass(frozen=True)
class FlowConfig:
    """Optical-flow options.

    ``window``: Lucas-Kanade window side as a fraction of the inter-ocular distance, clipped to
    ``min_window``..``max_window`` px (odd; small windows stay on the rigid features and are
    cheaper: on the benchmark clips a 13-px window fitted the motion to 0.05% IOD against 0.09%
    for 21 px, in 60% of the time). ``levels``: pyramid levels above the image (each doubles the
    largest motion followed). ``reach``: largest motion followed, as a fraction of the IOD per
    frame (the flow only looks that far around the face). ``min_points``: points that must be followed
    (and agree) for a motion to count. ``max_error``: largest distance (px, and fraction of the
    IOD) of a point from the fitted similarity for it to count as agreeing. ``still``: a motion
    that moves the face's points by less than this on average (fraction of the IOD) is taken as
    none (measured flow noise on a still 70-px face: 0.04% IOD, p95 0.10%).
    """

    window: float = 0.2
    min_window: int = 9
    max_window: int = 13
    levels: int = 3
    reach: float = 0.5
    min_points: int = 12
    max_error: float = 0.05
    still: float = 0.0015

    def __post_init__(self) -> None:
        if not (self.window > 0 and 3 <= self.min_window <= self.max_window and self.levels >= 0
                and self.min_points >= 2 and self.max_error > 0 and self.still >= 0 and self.reach > 0):
            raise ValueError(f"invalid FlowConfig: {self}")


def _check_points(points: np.ndarray, name: str) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or not np.all(np.isfinite(pts)):
        raise ValueError(f"{name} must be finite (N, 2) pixels, got shape {pts.shape}")
    return pts


def estimate_motion(
    prev_gray: np.ndarray, gray: np.ndarray, points: np.ndarray, config: FlowConfig | None = None
) -> np.ndarray | None:
    """The similarity that carries a face from ``prev_gray`` to ``gray``, or ``None`` when unsure.

    ``points``: the face's ``(68, 2)`` landmarks in ``prev_gray``; :data:`FLOW_POINTS` of them are
    followed with pyramidal Lucas-Kanade inside a window around the face, and a similarity is
    fitted to the followed points (least median of squares, so a few lost points do not count).
    Returns a 2x3 float64 matrix (previous-frame pixels -> this frame's pixels); ``IDENTITY``
    when the face moved less than ``config.still``; ``None`` when too few points agree.
    """
    cfg = config or FlowConfig()
    for name, img in (("prev_gray", prev_gray), ("gray", gray)):
        if not isinstance(img, np.ndarray) or img.dtype != np.uint8 or img.ndim != 2:
            raise ValueError(f"{name} must be an HxW uint8 grey image, got "
                             f"{getattr(img, 'dtype', type(img))} {getattr(img, 'shape', '')}")
    if prev_gray.shape != gray.shape:
        raise ValueError(f"frames differ in size: {prev_gray.shape} and {gray.shape}")
    pts = _check_points(points, "points")
    if pts.shape != (N_LANDMARKS, 2):
        raise ValueError(f"points must be ({N_LANDMARKS}, 2), got {pts.shape}")
    a, b = OUTER_EYE_CORNERS
    iod = float(np.linalg.norm(pts[a] - pts[b]))
    if not iod > 1:
        return None
    win = int(np.clip(round(cfg.window * iod), cfg.min_window, cfg.max_window)) | 1
    src = pts[list(FLOW_POINTS)]
    # Only the face and the largest motion followed: far cheaper than the whole frame.
    reach = win + round(cfg.reach * iod)
    h, w = gray.shape
    x0, y0 = np.maximum(np.floor(src.min(0)) - reach, 0).astype(int)
    x1, y1 = np.minimum(np.ceil(src.max(0)) + reach + 1, (w, h)).astype(int)
    if x1 - x0 < win or y1 - y0 < win:
        return None
    offset = np.array([x0, y0], np.float64)
    p0 = (src - offset).astype(np.float32)
    p1, status, _ = cv2.calcOpticalFlowPyrLK(
        np.ascontiguousarray(prev_gray[y0:y1, x0:x1]), np.ascontiguousarray(gray[y0:y1, x0:x1]), p0, None,
        winSize=(win, win), maxLevel=cfg.levels,
        criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 10, 0.03),
    )
    ok = status.reshape(-1) == 1
    if int(ok.sum()) < cfg.min_points:
        return None
    m, _ = cv2.estimateAffinePartial2D(p0[ok], p1[ok], method=cv2.LMEDS)
    if m is None:
        return None
    fitted = p0[ok] @ m[:, :2].T + m[:, 2]
    agree = np.linalg.norm(fitted - p1[ok], axis=1) <= max(1.0, cfg.max_error * iod)
    if int(agree.sum()) < cfg.min_points:
        return None
    m = m.astype(np.float64)
    m[:, 2] += offset - m[:, :2] @ offset  # back to whole-frame pixels
    moved = np.linalg.norm(apply_motion(m, src) - src, axis=1).mean()
    return IDENTITY.copy() if moved < cfg.still * iod else m


def apply_motion(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``(..., 2)`` points moved by the 2x3 matrix ``m``; float64."""
    p = np.asarray(points, dtype=np.float64)
    return p @ np.asarray(m, np.float64)[:, :2].T + np.asarray(m, np.float64)[:, 2]


def motion_scale_roll(m: np.ndarray) -> tuple[float, float]:
    """Scale factor and rotation (degrees, clockwise on screen: the sign of an eye-line roll, y down)
    of a 2x3 similarity."""
    m = np.asarray(m, np.float64)
    return math.hypot(m[0, 0], m[1, 0]), math.degrees(math.atan2(m[1, 0], m[0, 0]))


def velocity_motion(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """The least-squares similarity carrying ``(N, 2)`` points ``before`` onto ``after`` (2x3 float64).

    The tracker's fallback when optical flow is unsure: last frame's motion of the landmarks,
    assumed to go on (constant velocity).
    """
    src, dst = _check_points(before, "before"), _check_points(after, "after")
    if src.shape != dst.shape or len(src) < 2:
        raise ValueError(f"before and after must be the same (N >= 2, 2) shape, got {src.shape}, {dst.shape}")
    ms, md = src.mean(0), dst.mean(0)
    s, d = src - ms, dst - md
    den = float((s**2).sum())
    if not den > 0:
        return np.hstack([np.eye(2), (md - ms)[:, None]])
    a = float((s * d).sum()) / den
    b = float((s[:, 0] * d[:, 1] - s[:, 1] * d[:, 0]).sum()) / den
    lin = np.array([[a, -b], [b, a]])
    return np.hstack([lin, (md - lin @ ms)[:, None]])
