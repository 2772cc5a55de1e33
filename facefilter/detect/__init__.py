"""Face detection: a tiny interface, MediaPipe BlazeFace behind it, and a fake for tests.

``detect(frame_bgr) -> list[Detection]``; :class:`BlazeFaceDetector` (loads the TFLite interpreter when
made) also maps each box to the landmark model's crop box (:mod:`facefilter.detect.mapping`).
"""

from facefilter.detect.base import KEYPOINT_NAMES, Detection, FaceDetector, FakeDetector, keypoint_roll
from facefilter.detect.blazeface import DEFAULT_MODEL, BlazeFaceDetector, BlazeFaceModel
from facefilter.detect.mapping import BoxMapping, load_box_mapping

__all__ = [
    "DEFAULT_MODEL",
    "KEYPOINT_NAMES",
    "BlazeFaceDetector",
    "BlazeFaceModel",
    "BoxMapping",
    "Detection",
    "FaceDetector",
    "FakeDetector",
    "keypoint_roll",
    "load_box_mapping",
]
