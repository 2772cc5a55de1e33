"""The shipped 3-D mean face: ``mean_face_68.json`` beside this module.

The file holds ``points`` (68 rows of x, y, z in millimetres, iBUG 68-point order) and notes on
how it was built; ``python -m facefilter.tools.meanface`` writes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from facefilter.types import N_LANDMARKS

MEAN_FACE_FILE = Path(__file__).with_name("mean_face_68.json")


def load_mean_face(path: str | Path = MEAN_FACE_FILE) -> np.ndarray:
    """``(68, 3)`` float32 mean face in mm from a JSON file with a ``points`` list; errors name the file."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: cannot read the mean face: {e}") from e
    if not isinstance(doc, dict) or "points" not in doc:
        raise ValueError(f"{path}: no 'points' field")
    pts = np.asarray(doc["points"], dtype=np.float32)
    if pts.shape != (N_LANDMARKS, 3) or not np.isfinite(pts).all():
        raise ValueError(f"{path}: 'points' must be 68 rows of 3 finite numbers, got shape {pts.shape}")
    return pts


MEAN_FACE_3D: np.ndarray = load_mean_face()
MEAN_FACE_3D.setflags(write=False)
