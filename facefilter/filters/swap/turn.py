"""Decisions that depend on how a face is turned, made the same wherever the face stands.

A camera sees a face at the side of its picture a little from the side even when the head faces
straight ahead: the pose's yaw (:class:`facefilter.types.HeadPose`, the head's rotation in camera
axes) of one face read 20 deg apart at two places in a 768 px frame. What the swap decides from
the turn (whether a source's hidden half is replaced by the mirror image of its visible half)
uses :func:`ray_yaw` instead: the head's rotation relative to the ray from the camera to the
head, which is the same for the same face anywhere in the frame.

Yaw sign (:class:`~facefilter.types.HeadPose`): > 0 when the nose points to the image right,
which hides the face's image-right half (the template's x > 0 side).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from facefilter.types import HeadPose, angles_from_rotation, rotation_from_rvec

MIRROR_MIN_YAW = 8.0  # degrees: sources turned less keep no mirror image
RELATIVE_YAW = 12.0  # degrees: the target shows this much more of the source's far half: mirror starts
MIRROR_RAMP = 10.0  # degrees over which the mirror image fades in past RELATIVE_YAW (no pop)
FADE_YAW = 32.0  # degrees: a source turned this much, onto a face showing this much more of it: fade out
FADE_RAMP = 8.0  # ... completely over this many more degrees


def ray_rotation(pose: HeadPose) -> np.ndarray:
    """``(3, 3)`` head rotation relative to the camera's ray to the head's origin.

    ``R_ray.T @ R`` where ``R_ray`` is the smallest rotation taking the optical axis (0, 0, 1) to
    the unit ray ``tvec / |tvec|``: a face looking straight into the camera has the identity
    wherever it stands.
    """
    d = np.asarray(pose.tvec, np.float64)
    n = float(np.linalg.norm(d))
    if not n > 0:
        return np.asarray(pose.rotation)
    d = d / n
    axis = np.cross([0.0, 0.0, 1.0], d)
    s = float(np.linalg.norm(axis))
    ray = np.eye(3) if s < 1e-12 else rotation_from_rvec(axis / s * math.atan2(s, float(d[2])))
    return ray.T @ np.asarray(pose.rotation)


def ray_yaw(pose: HeadPose) -> float:
    """The yaw in degrees of :func:`ray_rotation` (the turn the camera actually sees)."""
    return float(angles_from_rotation(ray_rotation(pose))[0])


def face_yaw(landmarks: np.ndarray, frame_size: tuple[int, int]) -> float | None:
    """:func:`ray_yaw` of a face with ``(68, 2)`` ``landmarks`` in a frame of ``(width, height)``
    (:func:`facefilter.pose.estimate_pose`), ``None`` when it cannot be estimated."""
    from facefilter.pose import estimate_pose

    try:
        return ray_yaw(estimate_pose(landmarks, frame_size))
    except ValueError:
        return None


def pose_yaw(face: Any, frame_size: tuple[int, int]) -> float | None:
    """:func:`ray_yaw` of a face object: its ``head_pose()`` (the engine's, estimated once and
    shared by its layers), its ``pose``, or estimated here from its ``landmarks``."""
    head_pose = getattr(face, "head_pose", None)
    if callable(head_pose):
        try:
            return ray_yaw(head_pose())
        except ValueError:
            pass
    pose = getattr(face, "pose", None)
    return ray_yaw(pose) if pose is not None else face_yaw(face.landmarks, frame_size)


def mirror_side(yaw_deg: float | None, threshold: float = MIRROR_MIN_YAW) -> int:
    """The far half of a face turned by ``yaw_deg``: +1 (template x > 0), -1 (x < 0) or 0 (under ``threshold``)."""
    if yaw_deg is None or not math.isfinite(yaw_deg) or abs(yaw_deg) <= threshold:
        return 0
    return 1 if yaw_deg > 0 else -1


def mirror_weight(source_yaw: float | None, target_yaw: float | None) -> float:
    """How much (0..1) of a source's far half is replaced by its near half's mirror image on a target.

    0 unless the target shows more of the source's far half than the source does, by more than
    :data:`RELATIVE_YAW` (that half would be stretched from a sliver); then rising linearly to 1
    over :data:`MIRROR_RAMP` more degrees, so a face turning never pops. A face swapped with
    itself (equal yaws) is never mirrored. Unknown yaws count as frontal.
    """
    ys = source_yaw if source_yaw is not None and math.isfinite(source_yaw) else 0.0
    if abs(ys) <= MIRROR_MIN_YAW:
        return 0.0
    return float(np.clip((_more_hidden(source_yaw, target_yaw) - RELATIVE_YAW) / MIRROR_RAMP, 0.0, 1.0))


def use_mirror(source_yaw: float | None, target_yaw: float | None) -> bool:
    """Whether any of the source's mirror image shows on the target (:func:`mirror_weight` > 0)."""
    return mirror_weight(source_yaw, target_yaw) > 0


def _more_hidden(source_yaw: float | None, target_yaw: float | None) -> float:
    """Degrees more of the source's hidden half that the target shows (<= 0: none more)."""
    ys = source_yaw if source_yaw is not None and math.isfinite(source_yaw) else 0.0
    yt = target_yaw if target_yaw is not None and math.isfinite(target_yaw) else 0.0
    return (ys - yt) * math.copysign(1.0, ys) if ys else 0.0


def turn_weight(source_yaw: float | None, target_yaw: float | None) -> float:
    """How much (0..1) of a swap to show given the two faces' turns.

    A side view cannot fill a face seen from the front: when the source is turned more than
    :data:`FADE_YAW` degrees and the target shows that much more of its hidden half (a profile
    onto a frontal face: the smaller of the two angles counts), the swap fades out linearly over
    :data:`FADE_RAMP` degrees and the target keeps its own face. Faces turned alike (a face on
    itself) always swap. Unknown yaws count as frontal.
    """
    ys = source_yaw if source_yaw is not None and math.isfinite(source_yaw) else 0.0
    more = min(abs(ys), _more_hidden(source_yaw, target_yaw))
    return float(np.clip(1.0 - (more - FADE_YAW) / FADE_RAMP, 0.0, 1.0))
