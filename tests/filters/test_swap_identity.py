"""Whose face the swap shows, judged by a network this project never used (dlib's face descriptor).

Needs the ``bench`` extra (``dlib-bin``, ``face_recognition_models``; ``make test`` installs it)
and the 300-W data; held-out faces (the validation split), side by side in one frame as in
``facefilter-bench swap``, the annotated points standing in for the tracker's.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from facefilter.bench.swap import Judge, held_out, two_faces
from facefilter.filters import builtin_filters
from facefilter.landmarks import LandmarkModel

pytest.importorskip("dlib", reason="dlib (the bench extra) is not installed")
if importlib.util.find_spec("face_recognition_models") is None:  # its __init__ needs pkg_resources: not imported
    pytest.skip("face_recognition_models (the bench extra) is not installed", allow_module_level=True)


def box(points: np.ndarray) -> np.ndarray:
    """``(1, 4)`` tight box (left, top, width, height) of ``(68, 2)`` points."""
    return np.array([[*points.min(0), *(points.max(0) - points.min(0))]])


def test_swapped_face_is_the_other_person_by_dlib(ibug_dir: Path) -> None:
    faces = held_out(ibug_dir, 8)
    assert len(faces) == 8
    judge = Judge()
    model = LandmarkModel.load_single()
    flt = builtin_filters()["face_swap"]
    nearer, same = 0, 0
    for a, b in zip(faces[::2], faces[1::2], strict=True):
        frame, ta, tb = two_faces(a, b, 70.0)
        pa, pb = (model.predict(frame, box(t))[0].astype(np.float64) for t in (ta, tb))  # as the tracker finds them
        out = flt.render(frame, [pa, pb])
        flt.reset()
        d_a = judge.descriptor(frame, pa)
        d_b = judge.descriptor(frame, pb)
        d_out = judge.descriptor(out, model.predict(out, box(tb))[0].astype(np.float64))  # what now stands at B
        nearer += np.linalg.norm(d_out - d_a) < np.linalg.norm(d_out - d_b)
        same += np.linalg.norm(d_out - d_a) < 0.6
    # The benchmark's 40 pairs: nearer A on 92%, within dlib's same-person distance on 85%.
    assert nearer >= 3 and same >= 2, (nearer, same)
