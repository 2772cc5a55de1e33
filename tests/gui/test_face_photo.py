"""Face swap in the window: the status message of a swap with one face, the morph slider, and
Filters > "Face from photo…" (a good photo, a bad one, remembered between runs).

The photo's face is found by stand-ins for the detector and the landmark model (the real ones
are tested in tests/filters/test_swap.py); everything else is the real window, worker and filters.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from facefilter.detect import Detection, FakeDetector
from facefilter.filters import face_from_photo
from facefilter.filters.swap import NEEDS_TWO_FACES
from facefilter.gui.face_photo import PHOTO_FILTER
from facefilter.gui.window import MainWindow
from facefilter.types import Box
from tests.filters.helpers import face_points

pytestmark = pytest.mark.gui

TIMEOUT = 10_000


class FakeModel:
    def __init__(self, points: np.ndarray) -> None:
        self.points = points

    def predict(self, image: np.ndarray, boxes: np.ndarray, angles: np.ndarray | None = None) -> np.ndarray:
        return self.points[None].astype(np.float32)


def photo_with_a_face(folder: Path) -> tuple[Path, np.ndarray]:
    """A JPEG of a brightly striped 'face' and its (68, 2) points."""
    pts = face_points((160.0, 120.0), 80.0).astype(np.float64)
    y, x = np.mgrid[0:240, 0:320]
    img = np.stack([(x * 3) % 256, (y * 5) % 256, ((x + y) * 2) % 256], -1).astype(np.uint8)
    path = folder / "friend.jpg"
    cv2.imwrite(str(path), img)
    return path, pts


def stand_in_factory(points: np.ndarray) -> Callable[[Path], Any]:
    """face_from_photo with a detector that finds one face and a model that returns ``points``."""

    def make(path: Path) -> Any:
        return face_from_photo(path, detector=FakeDetector([Detection(Box.from_points(points), 0.9)]),
                               model=FakeModel(points))  # fmt: skip

    return make


@pytest.fixture(autouse=True)
def photo_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Photo landmarks are cached here, not in the user's cache folder."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("FACEFILTER_CACHE_DIR", str(cache))
    return cache


def wait_frame(qtbot: Any, window: MainWindow, ok: Callable[[Any], bool] = lambda rf: True) -> Any:
    start = window.frames_shown

    def check() -> None:
        assert window.last_frame is not None and window.frames_shown > start and ok(window.last_frame)

    qtbot.waitUntil(check, timeout=TIMEOUT)
    return window.last_frame


def face_change(rf: Any, reference: np.ndarray) -> float:
    """Mean absolute difference inside the fake face's eye-to-mouth box (the frame is mirrored)."""
    pts = rf.faces[0].landmarks
    x0, y0 = np.floor(pts[17:].min(0)).astype(int)
    x1, y1 = np.ceil(pts[17:].max(0)).astype(int)
    return float(np.abs(rf.frame[y0:y1, x0:x1].astype(float) - reference[y0:y1, x0:x1]).mean())


def test_swap_with_one_face_says_it_needs_a_second(qtbot: Any, make_window: Callable[..., MainWindow]) -> None:
    window = make_window()
    plain = wait_frame(qtbot, window).frame
    window.choose_filter("face_swap")
    rf = wait_frame(qtbot, window, lambda rf: rf.filter_status == NEEDS_TWO_FACES)
    assert np.array_equal(rf.frame[8:], plain[8:])  # the picture is left alone (rows 0-7: a frame counter)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == NEEDS_TWO_FACES, timeout=TIMEOUT)
    window.choose_filter("sunglasses")
    wait_frame(qtbot, window, lambda rf: rf.filter_status == "")
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() != NEEDS_TWO_FACES, timeout=TIMEOUT)


def test_morph_slider_shows_for_swap_filters(qtbot: Any, make_window: Callable[..., MainWindow]) -> None:
    window = make_window()
    window.choose_filter("sunglasses")
    assert not window.morph_action.isVisible()
    window.choose_filter("marble_statue")
    assert window.morph_action.isVisible()
    assert window.morph_slider.value() == round(100 * window.filters["marble_statue"].default_morph)
    window.morph_slider.setValue(30)
    assert window.worker.settings.morph == pytest.approx(0.3)
    window.choose_filter(None)
    assert not window.morph_action.isVisible() and window.worker.settings.morph is None


def test_face_from_photo_applies_and_morph_blends(
    qtbot: Any, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    path, pts = photo_with_a_face(tmp_path)
    window = make_window()
    window.photo_factory = stand_in_factory(pts)
    plain = wait_frame(qtbot, window).frame
    window.load_face_photo(path)
    qtbot.waitUntil(lambda: window.active_filter == PHOTO_FILTER, timeout=TIMEOUT)
    assert window.filter_bar.button(PHOTO_FILTER) is not None and window.settings.face_photo == str(path)
    assert window.morph_action.isVisible()
    full = wait_frame(qtbot, window, lambda rf: face_change(rf, plain) > 20)
    window.morph_slider.setValue(0)
    wait_frame(qtbot, window, lambda rf: face_change(rf, plain) < 1)
    window.morph_slider.setValue(50)
    half = wait_frame(qtbot, window, lambda rf: 1 < face_change(rf, plain) < face_change(full, plain))
    assert half.filter_status == ""


def test_a_bad_photo_gives_one_message_and_no_filter(
    qtbot: Any, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window()
    junk = tmp_path / "holiday.jpg"
    junk.write_bytes(b"\x00not a jpeg")
    window.load_face_photo(junk)  # the real face_from_photo: it fails before any model is needed
    qtbot.waitUntil(lambda: window.last_message is not None, timeout=TIMEOUT)
    title, text = window.last_message
    assert title == "Face from photo" and "holiday.jpg" in text
    assert PHOTO_FILTER not in window.filters and window.active_filter is None and window.settings.face_photo == ""
    path, pts = photo_with_a_face(tmp_path)
    window.photo_factory = lambda p: face_from_photo(p, detector=FakeDetector([]), model=FakeModel(pts))
    window.last_message = None
    window.load_face_photo(path)
    qtbot.waitUntil(lambda: window.last_message is not None, timeout=TIMEOUT)
    assert "no face found in 'friend.jpg'" in window.last_message[1]
    wait_frame(qtbot, window)  # the app runs on


def test_the_photo_is_remembered_between_runs(
    qtbot: Any, make_window: Callable[..., MainWindow], tmp_path: Path, photo_cache: Path
) -> None:
    path, pts = photo_with_a_face(tmp_path)
    settings = tmp_path / "remember.ini"
    first = make_window(settings_file=settings)
    first.photo_factory = stand_in_factory(pts)
    first.load_face_photo(path)
    qtbot.waitUntil(lambda: first.active_filter == PHOTO_FILTER, timeout=TIMEOUT)
    first.close()
    assert any(photo_cache.rglob("*.json"))
    # The second run finds the photo's landmarks in the cache: no detector, no model.
    second = make_window(settings_file=settings)
    qtbot.waitUntil(lambda: second.active_filter == PHOTO_FILTER, timeout=TIMEOUT)
    assert second.settings.face_photo == str(path)
    wait_frame(qtbot, second, lambda rf: rf.filter_status == "")
