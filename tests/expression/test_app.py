"""Expressions in the app: the pipeline runs the model only when needed and smooths per track, the
overlay shows the label, and the Moods lens reacts to the expression triggers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from facefilter.detect import Detection, FakeDetector
from facefilter.expression.config import EXPRESSIONS, EXTRA_LABEL, from_extra, to_extra
from facefilter.filters.engine import Filter
from facefilter.filters.loader import builtin_dir
from facefilter.overlay import draw_expressions
from facefilter.pipeline import Pipeline
from facefilter.tracker import FaceTracker, TrackerConfig
from facefilter.types import Box, Face
from tests.conftest import draw_face, mean_face_points


class FixedModel:
    """Stand-in for ExpressionModel: the same probabilities for every face, counting calls."""

    def __init__(self, cls: int, p: float = 0.9) -> None:
        self.probs = np.full(8, (1 - p) / 7, np.float32)
        self.probs[cls] = p
        self.calls = 0

    def predict(self, frame_bgr: np.ndarray, faces: Sequence[Face]) -> np.ndarray:
        self.calls += 1
        return np.tile(self.probs, (len(faces), 1))


class TruthModel:
    flip_test = False

    def __init__(self, pts: np.ndarray) -> None:
        self.pts = pts

    def predict(self, image: np.ndarray, boxes: np.ndarray, angles: np.ndarray | None = None) -> np.ndarray:
        return np.tile(self.pts, (len(boxes), 1, 1)).astype(np.float32)


def make_pipeline(pts: np.ndarray, filters: dict | None = None) -> Pipeline:
    det = FakeDetector(lambda i, frame: [Detection(Box.from_points(pts), 0.9)])
    tracker = FaceTracker(model=TruthModel(pts), detector=det, smoothing=False,  # type: ignore[arg-type]
                          config=TrackerConfig())
    return Pipeline(tracker, filters)


def test_the_pipeline_runs_expressions_only_when_asked_and_smooths_them() -> None:
    pts = mean_face_points(center=(320, 220), iod=90)
    pipe = make_pipeline(pts)
    pipe.expression_model = model = FixedModel(2)
    frame = np.maximum(np.full((480, 640, 3), 40, np.uint8), draw_face(pts, (480, 640)))
    res = pipe.process(frame, 0.0)
    assert model.calls == 0 and from_extra(res.faces[0].extra) is None and "expression" not in res.timings_ms
    pipe.expressions = True
    res = pipe.process(frame, 0.033)
    assert model.calls == 1 and "expression" in res.timings_ms
    p = np.array(from_extra(res.faces[0].extra))
    np.testing.assert_allclose(p, model.probs, atol=1e-5)
    assert EXPRESSIONS[int(res.faces[0].extra[EXTRA_LABEL])] == "surprise"
    assert not np.array_equal(res.frame, frame)  # the label is drawn
    model.probs = np.roll(model.probs, -1)  # now happiness (index 1)
    p = np.array(from_extra(pipe.process(frame, 0.066).faces[0].extra))
    assert p[1] < 0.1  # one frame later: smoothed, barely moved
    res = pipe.process(frame, 0.8)
    p = np.array(from_extra(res.faces[0].extra))
    assert p[1] > 0.5 and int(res.faces[0].extra[EXTRA_LABEL]) == 2  # happiness leads, the label is held (< 2 s)


def test_a_lens_with_expression_triggers_turns_the_model_on() -> None:
    moods = Filter.load(builtin_dir() / "moods")
    assert moods.needs_expression
    assert not Filter.load(builtin_dir() / "hearts").needs_expression
    pts = mean_face_points(center=(320, 260), iod=90)
    pipe = make_pipeline(pts, {"moods": moods})
    pipe.expression_model = model = FixedModel(2)
    pipe.active_filter = "moods"
    frame = np.maximum(np.full((480, 640, 3), 40, np.uint8), draw_face(pts, (480, 640)))
    pipe.process(frame, 0.0)
    assert model.calls == 1


def render_sequence(flt: Filter, pts: np.ndarray, cls: int, seconds: float) -> np.ndarray:
    frame = np.full((480, 640, 3), 90, np.uint8)
    out = frame
    for i in range(round(seconds * 30)):  # neutral for the first 0.5 s, then ``cls``
        face = Face(Box.from_points(pts), pts, 1, extra=to_extra(FixedModel(cls if i >= 15 else 0).probs))
        out = flt.render(frame, [face], i / 30)
    return out


@pytest.mark.parametrize(("cls", "region"), [(2, "above"), (3, "above"), (4, "sides")])
def test_the_moods_lens_reacts_to_surprise_sadness_and_anger(cls: int, region: str) -> None:
    pts = mean_face_points(center=(320, 300), iod=90)
    neutral = render_sequence(Filter.load(builtin_dir() / "moods"), pts, 0, 1.5)
    emotional = render_sequence(Filter.load(builtin_dir() / "moods"), pts, cls, 1.5)
    np.testing.assert_array_equal(neutral, np.full_like(neutral, 90))  # neutral: nothing drawn
    diff = np.abs(emotional.astype(int) - neutral).sum(2) > 30
    top = int(pts[:, 1].min())
    if region == "above":
        assert diff[:top].sum() > 500  # confetti / the rain cloud over the head
    else:
        x0, x1 = int(pts[:, 0].min()), int(pts[:, 0].max())
        assert diff[:, :x0].sum() + diff[:, x1:].sum() > 300  # steam from both ears
        assert diff[:, :x0].sum() > 50 and diff[:, x1:].sum() > 50


def test_draw_expressions_shows_the_label_under_the_box_and_skips_unknown_faces() -> None:
    pts = mean_face_points(center=(200, 150), iod=80)
    img = np.zeros((400, 400, 3), np.uint8)
    draw_expressions(img, [Face(Box.from_points(pts), pts, 1)])
    assert not img.any()
    extra = {**to_extra(FixedModel(1).probs), EXTRA_LABEL: 1.0}
    draw_expressions(img, [Face(Box.from_points(pts), pts, 1, extra=extra)])
    bottom = round(Box.from_points(pts).bottom)
    assert img[bottom + 5:].any() and not img[: bottom].any()
    with pytest.raises(ValueError, match="HxWx3"):
        draw_expressions(np.zeros((10, 10), np.uint8), [])
