"""A shaded mannequin head at a known pose: the mean face's 68 points on a ray-cast head, for the 3-D gallery.

The head is the occluder's proxy (:data:`facefilter.filters.occluder.HEAD_PROXY`) plus a neck and
two ears, ray-cast per pixel and lit from the upper left of the camera; hair covers the top and
back. The features (brows, eyes, nose, lips) are drawn through the projected points of
:data:`facefilter.pose.MEAN_FACE_3D`, which are also returned: a filter rendered on them sees
exactly the pose the picture was made with.
"""

from __future__ import annotations

import cv2
import numpy as np

from facefilter.filters.head import face_view
from facefilter.filters.occluder import HEAD_PROXY, Ellipsoid
from facefilter.pose import MEAN_FACE_3D
from facefilter.types import HeadPose

NECK = Ellipsoid((0.0, 105.0, 72.0), (52.0, 90.0, 55.0))
NOSE = Ellipsoid((0.0, 25.0, -24.0), (12.0, 27.0, 18.0))
EARS = (Ellipsoid((-74.0, 18.0, 78.0), (9.0, 30.0, 17.0)), Ellipsoid((74.0, 18.0, 78.0), (9.0, 30.0, 17.0)))
SKIN = np.array([150, 180, 228], np.float64) / 255  # BGR
HAIR = np.array([40, 62, 96], np.float64) / 255
LIGHT = np.array([-0.35, -0.55, -0.76])  # camera space, pointing from the head to the light


def _hit(d: list[np.ndarray], camera: np.ndarray, e: Ellipsoid) -> np.ndarray:
    """Ray parameter of the first hit of every ray with ``e`` (inf where the ray misses)."""
    a = np.asarray(e.axes)
    c = (camera - e.centre) / a
    dd = [d[i] / a[i] for i in range(3)]
    qa = dd[0] ** 2 + dd[1] ** 2 + dd[2] ** 2
    qb = c[0] * dd[0] + c[1] * dd[1] + c[2] * dd[2]
    disc = qb * qb - qa * (float(c @ c) - 1.0)
    s = (-qb - np.sqrt(np.maximum(disc, 0.0))) / qa
    return np.where((disc > 0) & (s > 0), s, np.inf)


def mannequin(pose: HeadPose, size: tuple[int, int], background: tuple[int, int, int] = (200, 190, 180),
              supersample: int = 2) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``(BGR uint8 image of ``size`` (width, height), (68, 2) float32 landmarks)`` of the mean head at ``pose``.

    ``pose`` is in the pixels of the output image (its ``center`` and ``focal``).
    """
    w, h = size
    ss = supersample
    # The same camera, ss times finer: pixel p of the big image is (p + 0.5) / ss - 0.5 of the small one.
    big = HeadPose(pose.yaw, pose.pitch, pose.roll, pose.rvec, pose.tvec, pose.focal * ss,
                   ((pose.center[0] + 0.5) * ss - 0.5, (pose.center[1] + 0.5) * ss - 0.5))  # fmt: skip
    view = face_view(big)
    xs = np.arange(w * ss, dtype=np.float64)[None, :]
    ys = np.arange(h * ss, dtype=np.float64)[:, None]
    m = view.ray_matrix
    d = [m[i, 0] * xs + m[i, 1] * ys + m[i, 2] for i in range(3)]
    parts = [*HEAD_PROXY, NECK, *EARS, NOSE]
    hits = np.stack([_hit(d, view.camera, e) for e in parts])
    which = hits.argmin(0)
    s = hits.min(0)
    covered = np.isfinite(s)
    s = np.where(covered, s, 0.0)
    p = [view.camera[i] + s * d[i] for i in range(3)]  # head-space point per pixel
    normal = np.zeros((3, *s.shape))
    for k, e in enumerate(parts):
        sel = which == k
        for i in range(3):
            normal[i][sel] = (p[i][sel] - e.centre[i]) / e.axes[i] ** 2
    normal /= np.linalg.norm(normal, axis=0) + 1e-12
    # Soften the creases where the ellipsoids meet (the cheeks, the nose): blur the normals a little.
    sigma = 1.5 * ss * view.pixels_per_mm
    normal = np.stack([cv2.GaussianBlur(nc.astype(np.float32), (0, 0), sigma) for nc in normal])
    normal /= np.linalg.norm(normal, axis=0) + 1e-12
    light = view.rotation.T @ (LIGHT / np.linalg.norm(LIGHT))  # to head space
    lambert = np.clip(np.tensordot(light, normal, 1), 0.0, 1.0)
    shade = 0.42 + 0.58 * lambert
    hair = (((p[1] < -58.0 + 0.25 * np.maximum(p[2], 0.0)) & (p[2] > -30.0)) | ((p[2] > 95.0) & (p[1] < 45.0)))
    hair &= which < len(HEAD_PROXY)
    colour = np.where(hair[..., None], HAIR, SKIN) * shade[..., None]
    colour = np.where((which == len(HEAD_PROXY))[..., None], colour * 0.9, colour)  # the neck a little darker
    img = np.where(covered[..., None], colour * 255.0, np.asarray(background, np.float64))
    img = np.clip(img, 0, 255).astype(np.uint8)

    lm = view.project(MEAN_FACE_3D).astype(np.float64)
    _features(img, lm, view, ss)
    out = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
    lm_small = ((lm + 0.5) / ss - 0.5).astype(np.float32)
    return out, lm_small


def _features(img: np.ndarray, lm: np.ndarray, view, ss: int) -> None:
    """Brows, eyes, nose and lips through the projected points ``lm`` (pixels of ``img``), in place."""

    def fix(pts: np.ndarray) -> np.ndarray:
        return np.round(np.asarray(pts) * 16).astype(np.int32)

    k = view.pixels_per_mm
    for i in (32, 34):
        centre = tuple(float(c) for c in lm[i])
        cv2.ellipse(img, (centre, (3.2 * k, 2.0 * k), 0.0), (60, 70, 110), -1, cv2.LINE_AA)
    for eye in (slice(36, 42), slice(42, 48)):
        pts = lm[eye]
        cv2.fillPoly(img, [fix(pts)], (245, 245, 245), cv2.LINE_AA, 4)
        centre = pts.mean(0)
        r = 5.2 * k
        mask = np.zeros(img.shape[:2], np.uint8)
        cv2.fillPoly(mask, [fix(pts)], 255, cv2.LINE_AA, 4)
        iris = img.copy()
        cv2.circle(iris, tuple(fix(centre)), round(r * 16), (150, 110, 70), -1, cv2.LINE_AA, 4)
        cv2.circle(iris, tuple(fix(centre)), round(r * 0.45 * 16), (20, 20, 20), -1, cv2.LINE_AA, 4)
        a = (mask.astype(np.float32) / 255)[..., None]
        img[:] = (iris * a + img * (1 - a)).astype(np.uint8)
        cv2.polylines(img, [fix(pts[[0, 1, 2, 3]])], False, (40, 50, 70), max(1, round(0.9 * k)), cv2.LINE_AA, 4)
    for brow in (slice(17, 22), slice(22, 27)):
        cv2.polylines(img, [fix(lm[brow])], False, (40, 58, 90), max(1, round(2.6 * k)), cv2.LINE_AA, 4)
    cv2.fillPoly(img, [fix(lm[48:60])], (90, 90, 190), cv2.LINE_AA, 4)
    cv2.polylines(img, [fix(lm[60:65])], False, (50, 50, 120), max(1, round(0.8 * k)), cv2.LINE_AA, 4)
