"""FaceTracker gives back what it made: close(), ``with``, and when it is dropped."""

from __future__ import annotations

import gc
from typing import ClassVar

import numpy as np
import pytest

import facefilter.detect.blazeface as blazeface
from facefilter.detect.base import FakeDetector
from facefilter.tracker import FaceTracker
from tests.test_pipeline import SceneModel, frame_with, scene_detector


class ClosingDetector(FakeDetector):
    """A fake detector that counts its close() calls in a list shared with the test."""

    closed: ClassVar[list[int]] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__()

    def close(self) -> None:
        ClosingDetector.closed.append(1)


@pytest.fixture()
def own_detector(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The tracker's own detector (made when none is passed) is a ClosingDetector."""
    ClosingDetector.closed = []
    monkeypatch.setattr(blazeface, "BlazeFaceDetector", ClosingDetector)
    return ClosingDetector.closed


def test_close_frees_the_detector_it_made_once(own_detector: list[int]) -> None:
    tracker = FaceTracker(model=SceneModel(), smoothing=False)  # type: ignore[arg-type]
    tracker.process(np.zeros((120, 160, 3), np.uint8))
    assert not tracker.closed
    tracker.close()
    tracker.close()
    assert own_detector == [1] and tracker.closed
    with pytest.raises(RuntimeError, match="after close"):
        tracker.process(np.zeros((120, 160, 3), np.uint8))


def test_with_block_closes(own_detector: list[int]) -> None:
    with FaceTracker(model=SceneModel(), smoothing=False) as tracker:  # type: ignore[arg-type]
        tracker.process(np.zeros((120, 160, 3), np.uint8))
        assert own_detector == []
    assert own_detector == [1]


def test_dropping_the_tracker_frees_its_detector(own_detector: list[int]) -> None:
    tracker = FaceTracker(model=SceneModel(), smoothing=False)  # type: ignore[arg-type]
    tracker.process(np.zeros((120, 160, 3), np.uint8))
    del tracker
    gc.collect()
    assert own_detector == [1]


def test_a_detector_passed_in_stays_the_callers() -> None:
    scene = SceneModel()
    det = scene_detector(scene)
    closes: list[int] = []
    det.close = lambda: closes.append(1)  # type: ignore[attr-defined]
    with FaceTracker(model=scene, detector=det, smoothing=False) as tracker:  # type: ignore[arg-type]
        tracker.process(frame_with([]))
    assert closes == []
