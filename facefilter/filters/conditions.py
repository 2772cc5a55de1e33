"""Expression measures from landmarks, and conditions that show a layer only for some expressions.

Every measure is a distance divided by the face's size (:func:`geometry.face_scale`, about the
inter-ocular distance of a frontal face), so thresholds do not depend on how far the face is.
On the 300-W training faces ``mouth_open`` has median 0.03, 75th percentile 0.11 and 95th
percentile 0.21. ``yaw``, ``pitch`` and ``roll`` are the head pose's angles in degrees
(:class:`facefilter.types.HeadPose`: yaw > 0 when the nose points to the image right, pitch > 0
when the chin goes down, roll > 0 clockwise on screen).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from facefilter.filters import geometry
from facefilter.types import HeadPose


class Measure(StrEnum):
    """What a condition looks at: expressions relative to the face size, head angles in degrees."""

    MOUTH_OPEN = "mouth_open"  # inner-lip gap: ~0 closed, ~0.1 talking, 0.3+ wide open
    EYES_OPEN = "eyes_open"  # mean eyelid gap of both eyes: ~0.09 open, under 0.03 closed
    MOUTH_WIDTH = "mouth_width"  # mouth corner to corner: ~0.62 neutral, above ~0.75 smiling
    YAW = "yaw"  # degrees, > 0 when the nose points to the image right
    PITCH = "pitch"  # degrees, > 0 when the chin goes down
    ROLL = "roll"  # degrees, > 0 when the face turns clockwise on screen


POSE_MEASURES = frozenset({Measure.YAW, Measure.PITCH, Measure.ROLL})


def _gap(lm: np.ndarray, pairs: tuple[tuple[int, int], ...]) -> float:
    return float(np.mean([np.linalg.norm(lm[a] - lm[b]) for a, b in pairs]))


def measure(landmarks: np.ndarray, which: Measure, pose: HeadPose | None = None) -> float:
    """The value of ``which`` for one face's ``(68, 2)`` landmarks (and its ``pose``, which the pose
    measures need: ``ValueError`` without it)."""
    if which in POSE_MEASURES:
        if pose is None:
            raise ValueError(f"the measure {which.value!r} needs the face's head pose")
        return float({Measure.YAW: pose.yaw, Measure.PITCH: pose.pitch, Measure.ROLL: pose.roll}[which])
    lm = geometry.as_points(landmarks, 68, "landmarks")
    scale = geometry.face_scale(lm)
    if scale <= 0:
        return 0.0
    if which is Measure.MOUTH_OPEN:
        return _gap(lm, ((61, 67), (62, 66), (63, 65))) / scale
    if which is Measure.EYES_OPEN:
        return _gap(lm, ((37, 41), (38, 40), (43, 47), (44, 46))) / scale
    if which is Measure.MOUTH_WIDTH:
        return float(np.linalg.norm(lm[54] - lm[48])) / scale
    raise ValueError(f"unknown measure {which!r}")


@dataclass(frozen=True)
class Condition:
    """Show a layer while ``measure`` is above ``above`` and/or below ``below``.

    Instead of switching abruptly the layer fades in over a band ``fade`` wide centred on each
    threshold, which hides landmark jitter without keeping state between frames (rendering stays
    a pure function of the frame and its faces).
    """

    measure: Measure
    above: float | None = None
    below: float | None = None
    fade: float = 0.04

    @property
    def needs_pose(self) -> bool:
        """Whether :meth:`weight` needs the face's head pose."""
        return self.measure in POSE_MEASURES

    def weight(self, landmarks: np.ndarray, pose: HeadPose | None = None) -> float:
        """Opacity factor in [0, 1] for one face (``pose``: its head pose, for the pose measures)."""
        v = measure(landmarks, self.measure, pose)
        w = 1.0
        if self.above is not None:
            w *= _ramp(v - self.above, self.fade)
        if self.below is not None:
            w *= _ramp(self.below - v, self.fade)
        return w


def _ramp(x: float, width: float) -> float:
    if width <= 0:
        return 1.0 if x > 0 else 0.0
    return float(np.clip(x / width + 0.5, 0.0, 1.0))
