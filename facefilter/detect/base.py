"""The detector interface: ``detect(frame_bgr) -> list[Detection]``, and a fake for tests."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from facefilter.types import Box

# Keypoint order of :attr:`Detection.keypoints` (BlazeFace's; "right" is the subject's right,
# i.e. the image left on an unmirrored frontal face).
KEYPOINT_NAMES = ("right_eye", "left_eye", "nose_tip", "mouth_center", "right_ear", "left_ear")


@dataclass(frozen=True)
class Detection:
    """One detected face in frame pixels.

    ``box`` is the detector's own box, ``score`` its confidence in [0, 1], ``keypoints`` an
    optional ``(6, 2)`` float32 array in :data:`KEYPOINT_NAMES` order. ``landmark_box`` is the
    detector's estimate of the 300-W tight landmark box the landmark model wants (see
    :mod:`facefilter.detect.mapping`; ``None``: ``box`` already is one) and ``roll`` the face's
    roll in degrees (``atan2`` of the eye line, y down) to crop it upright.
    """

    box: Box
    score: float
    keypoints: np.ndarray | None = field(default=None, compare=False)
    landmark_box: Box | None = None
    roll: float = 0.0

    def crop_box(self) -> Box:
        """The box to crop the landmark model's input from: ``landmark_box`` if known, else ``box``."""
        return self.landmark_box if self.landmark_box is not None else self.box


@runtime_checkable
class FaceDetector(Protocol):
    """Finds faces in an HxWx3 uint8 BGR frame, best first."""

    def detect(self, frame_bgr: np.ndarray) -> list[Detection]: ...


def check_frame(frame: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``frame`` is an HxWx3 uint8 (BGR) array."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        desc = f"{frame.dtype} {frame.shape}" if isinstance(frame, np.ndarray) else type(frame).__name__
        raise ValueError(f"detector expects an HxWx3 uint8 BGR frame, got {desc}")


def keypoint_roll(detection: Detection) -> float:
    """Roll (deg, ``atan2`` of the right-eye -> left-eye line, y down) from the keypoints; 0 without them."""
    k = detection.keypoints
    if k is None:
        return 0.0
    d = k[1] - k[0]
    return math.degrees(math.atan2(float(d[1]), float(d[0])))


class FakeDetector:
    """Returns scripted detections: a fixed list, or ``fn(call_index, frame)`` per call.

    ``calls`` counts the frames it was asked about (to check how often the tracker detects).
    """

    def __init__(self, detections: Sequence[Detection] | Callable[[int, np.ndarray], list[Detection]] = ()) -> None:
        self._source = detections
        self.calls = 0

    def detect(self, frame_bgr: np.ndarray) -> list[Detection]:
        check_frame(frame_bgr)
        i = self.calls
        self.calls += 1
        if callable(self._source):
            return list(self._source(i, frame_bgr))
        return list(self._source)
