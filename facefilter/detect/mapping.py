"""Detector box -> the 300-W tight landmark box the landmark model was trained on.

BlazeFace's box is a square around eyes, nose and mouth, not the tight box around the 68
points (which reaches the chin and jaw). :class:`BoxMapping` is a linear regression, fitted by
``python -m facefilter.tools.calibrate`` on the 300-W training faces pasted into 640x480
frames, from the detection (box + 6 keypoints) to that tight box. The fitted numbers live in
``box_mapping.json`` beside this file, with the figures measured when they were fitted.

Conventions: features are the keypoints relative to the detection box centre, in units of the
box width, turned upright by the eye-line roll when ``use_roll``; the outputs are the tight
box centre offset (same units and frame) and ``log(tight side / box width)``, where the tight
side is the longer side of the upright tight box.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from facefilter.detect.base import Detection, keypoint_roll

MAPPING_FILE = "box_mapping.json"


def _rotation(roll_deg: float) -> np.ndarray:
    """2x2 matrix turning a vector at ``roll_deg`` (y down) back to horizontal."""
    a = math.radians(roll_deg)
    return np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])


def mapping_features(detection: Detection, use_roll: bool) -> tuple[np.ndarray, float]:
    """(features ``(13,)`` = [1, 12 normalised keypoint coordinates], roll deg) of a detection with keypoints."""
    if detection.keypoints is None:
        raise ValueError("mapping_features needs a detection with (6, 2) keypoints")
    b = detection.box
    roll = keypoint_roll(detection) if use_roll else 0.0
    k = (np.asarray(detection.keypoints, np.float64) - b.center) / max(b.width, 1e-6)
    k = k @ _rotation(roll).T
    return np.concatenate([[1.0], k.ravel()]), roll


def mapping_target(detection: Detection, points: np.ndarray, roll: float) -> np.ndarray:
    """The regression target ``(3,)`` for a detection of a face with ``(68, 2)`` points."""
    b = detection.box
    rot = _rotation(roll)
    up = np.asarray(points, np.float64) @ rot.T
    lo, hi = up.min(0), up.max(0)
    center = ((lo + hi) / 2.0) @ rot
    offset = rot @ ((center - b.center) / max(b.width, 1e-6))
    return np.array([offset[0], offset[1], math.log(float((hi - lo).max()) / max(b.width, 1e-6))])


@dataclass(frozen=True)
class BoxMapping:
    """Linear map (see the module doc): ``weights`` ``(13, 3)`` with keypoints, ``box_weights``
    ``(3,)`` for detections without keypoints (a constant offset and scale)."""

    weights: np.ndarray
    box_weights: np.ndarray
    use_roll: bool = True

    def __call__(self, detection: Detection) -> tuple[np.ndarray, float]:
        """(landmark box ``(left, top, width, height)`` float64 in frame pixels, roll deg).

        The box is square (the landmark model only uses its centre and longer side) and is
        meant for ``LandmarkModel.predict(..., angles=[roll])``.
        """
        b = detection.box
        if detection.keypoints is None:
            out, roll = np.asarray(self.box_weights, np.float64), 0.0
        else:
            f, roll = mapping_features(detection, self.use_roll)
            out = f @ np.asarray(self.weights, np.float64)
        w = max(b.width, 1e-6)
        center = np.asarray(b.center) + _rotation(roll).T @ out[:2] * w
        side = math.exp(float(out[2])) * w
        return np.array([center[0] - side / 2, center[1] - side / 2, side, side]), roll

    def to_dict(self) -> dict[str, object]:
        return {"use_roll": self.use_roll, "weights": np.round(self.weights, 6).tolist(),
                "box_weights": np.round(self.box_weights, 6).tolist()}

    @classmethod
    def from_dict(cls, d: dict[str, object], where: str = "mapping") -> BoxMapping:
        try:
            weights = np.asarray(d["weights"], np.float64)
            box_weights = np.asarray(d["box_weights"], np.float64)
            use_roll = bool(d.get("use_roll", True))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{where}: malformed box mapping ({exc})") from None
        if weights.shape != (13, 3) or box_weights.shape != (3,):
            raise ValueError(f"{where}: weights must be (13, 3) and box_weights (3,), got {weights.shape}, "
                             f"{box_weights.shape}")
        return cls(weights, box_weights, use_roll)


def mapping_path() -> Path:
    """The shipped ``box_mapping.json`` (package data of ``facefilter.detect``)."""
    return Path(str(resources.files("facefilter.detect").joinpath(MAPPING_FILE)))


def load_box_mapping(model: str, path: str | Path | None = None) -> BoxMapping:
    """The fitted mapping for BlazeFace model ``"short"`` or ``"full"`` from ``path`` (default: shipped)."""
    path = Path(path) if path is not None else mapping_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the box mapping ({exc})") from None
    if model not in data.get("models", {}):
        raise ValueError(f"{path}: no mapping for model {model!r} (has {sorted(data.get('models', {}))})")
    return BoxMapping.from_dict(data["models"][model], f"{path} [{model}]")
