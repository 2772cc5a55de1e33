"""The main window with the real worker, grabber, Pipeline and built-in filters on a fake tracker.

Each test changes something the way a user would (click, key) and checks what the window
shows: the frames the worker sends back, the files written, the messages.
"""

from __future__ import annotations

import sys
import types
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np
import pytest
from PyQt6.QtCore import QSettings, Qt

from facefilter.capture import CaptureError
from facefilter.filters.loader import builtin_dir
from facefilter.gui.settings import AppSettings
from facefilter.gui.window import MainWindow
from facefilter.gui.worker import LOADING_STATUS, RenderedFrame
from tests.gui.fakes import FRAME_SIZE, FlakyCamera, ListSource

pytestmark = pytest.mark.gui

TIMEOUT = 10_000  # ms; the CPU is shared with training runs


def processed(rf: RenderedFrame) -> bool:
    """A frame the pipeline made (not one shown as it came while the models loaded)."""
    return rf.filter_status != LOADING_STATUS


def wait_frame(qtbot: Any, window: MainWindow, ok: Callable[[RenderedFrame], bool] = processed) -> RenderedFrame:
    """Wait for a frame painted after this call that satisfies ``ok`` (default: any processed frame)."""
    start = window.frames_shown

    def check() -> None:
        rf = window.last_frame
        assert rf is not None and window.frames_shown > start and ok(rf)

    qtbot.waitUntil(check, timeout=TIMEOUT)
    assert window.last_frame is not None
    return window.last_frame


def eye_brightness(rf: RenderedFrame) -> float:
    """Mean brightness of 5x5 patches at both eye centres of the shown frame (white eyes: ~255)."""
    pts = rf.faces[0].landmarks
    values = []
    for group in (slice(36, 42), slice(42, 48)):
        x, y = np.round(pts[group].mean(0)).astype(int)
        values.append(rf.frame[y - 2 : y + 3, x - 2 : x + 3].mean())
    return float(np.mean(values))


def is_green(rf: RenderedFrame, point: int = 8) -> bool:
    """The overlay's colour for face 1 (BGR 0,255,0) at landmark ``point``."""
    x, y = np.round(rf.faces[0].landmarks[point]).astype(int)
    b, g, r = (int(v) for v in rf.frame[y, x])
    return g > 200 and b < 90 and r < 90


def key(qtbot: Any, window: MainWindow, k: Qt.Key) -> None:
    """Press ``k`` in the window (made active first: window shortcuts need an active window)."""
    if not window.isActiveWindow():
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    qtbot.keyClick(window, k)


def test_window_shows_frames_and_stats(qtbot: Any, make_window: Callable[..., MainWindow]) -> None:
    window = make_window()
    rf = wait_frame(qtbot, window)
    assert rf.frame.shape == (*FRAME_SIZE, 3) and len(rf.faces) == 1
    assert not window.view.message_visible
    qtbot.waitUntil(lambda: window.fps_label.text().strip() not in ("– fps", "0.0 fps"), timeout=TIMEOUT)
    assert window.faces_label.text() == "faces: 1"
    assert window.latency_label.text().startswith("latency:") and window.latency_ms > 0
    assert window.source_label.text() == "test camera"


def test_toolbar_click_applies_and_click_again_removes(qtbot: Any, make_window: Callable[..., MainWindow]) -> None:
    window = make_window()
    plain = eye_brightness(wait_frame(qtbot, window))
    assert plain > 200  # the drawn eyes are white
    button = window.filter_bar.button("sunglasses")
    assert not button.icon().isNull() and "Sunglasses" in button.toolTip()

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.active_filter == "sunglasses" and button.isChecked()
    assert window.worker.settings.filter == "sunglasses"
    wait_frame(qtbot, window, lambda rf: eye_brightness(rf) < 100)  # dark lenses over the eyes

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.active_filter is None and not button.isChecked()
    assert window.worker.settings.filter is None
    wait_frame(qtbot, window, lambda rf: eye_brightness(rf) > 200)


def test_another_button_replaces_the_filter(qtbot: Any, make_window: Callable[..., MainWindow]) -> None:
    window = make_window(start=False)
    qtbot.mouseClick(window.filter_bar.button("cat"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.filter_bar.button("crown"), Qt.MouseButton.LeftButton)
    assert window.active_filter == "crown"
    assert [n for n in window.filter_bar.names if window.filter_bar.action(n).isChecked()] == ["crown"]


def test_keys_cycle_filters(qtbot: Any, make_window: Callable[..., MainWindow]) -> None:
    window = make_window(start=False)
    names = window.filter_bar.names
    assert len(names) >= 3
    key(qtbot, window, Qt.Key.Key_Right)
    assert window.active_filter == names[0]
    key(qtbot, window, Qt.Key.Key_Right)
    assert window.active_filter == names[1]
    key(qtbot, window, Qt.Key.Key_Left)
    key(qtbot, window, Qt.Key.Key_Left)
    assert window.active_filter is None
    key(qtbot, window, Qt.Key.Key_Left)
    assert window.active_filter == names[-1]  # wraps around
    assert window.worker.settings.filter == names[-1]
    key(qtbot, window, Qt.Key.Key_0)
    assert window.active_filter is None and window.worker.settings.filter is None


def test_overlay_toggle_by_button_and_key(qtbot: Any, make_window: Callable[..., MainWindow]) -> None:
    window = make_window()
    assert not is_green(wait_frame(qtbot, window))
    button = window.controls_bar.widgetForAction(window.overlay_action)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.overlay_action.isChecked() and window.worker.settings.overlay
    wait_frame(qtbot, window, is_green)  # the 68 points drawn over the frame

    key(qtbot, window, Qt.Key.Key_L)
    assert not window.overlay_action.isChecked() and not window.worker.settings.overlay
    wait_frame(qtbot, window, lambda rf: not is_green(rf))


def test_mirror_is_on_for_cameras_and_off_for_files(qtbot: Any, make_window: Callable[..., MainWindow]) -> None:
    window = make_window()
    wait_frame(qtbot, window)
    assert window.mirror_action.isChecked()
    key(qtbot, window, Qt.Key.Key_M)
    assert not window.mirror_action.isChecked() and window.settings.mirror is False
    window.open_source(ListSource(is_camera=False, name="clip.mp4"))
    qtbot.waitUntil(lambda: window.source_label.text() == "clip.mp4", timeout=TIMEOUT)
    assert not window.mirror_action.isChecked()
    key(qtbot, window, Qt.Key.Key_M)  # mirroring a file is not remembered for cameras
    assert window.worker.settings.mirror_file and window.settings.mirror is False


def test_snapshot_writes_the_filtered_frame_as_png(
    qtbot: Any, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window()
    qtbot.mouseClick(window.filter_bar.button("clown_nose"), Qt.MouseButton.LeftButton)
    rf = wait_frame(qtbot, window, lambda rf: rf.frame is not None and eye_brightness(rf) > 0)
    key(qtbot, window, Qt.Key.Key_S)
    path = window.last_snapshot
    assert path is not None and path.parent == tmp_path / "out" and path.suffix == ".png"
    saved = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert saved is not None and saved.shape == rf.frame.shape
    shown = window.last_frame
    assert shown is not None
    np.testing.assert_array_equal(saved, shown.frame)  # exactly the frame on screen
    assert str(path) in window.statusBar().currentMessage()


def test_snapshot_without_a_frame_says_so(qtbot: Any, make_window: Callable[..., MainWindow], tmp_path: Path) -> None:
    window = make_window(start=False)
    assert window.snapshot() is None
    assert "Nothing to save" in window.statusBar().currentMessage()
    assert not (tmp_path / "out").exists()


def test_record_writes_an_mp4_with_a_visible_indicator(
    qtbot: Any, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window()
    wait_frame(qtbot, window)
    key(qtbot, window, Qt.Key.Key_R)
    assert window.recording and window.view.recording and window.rec_label.isVisible()
    assert window.rec_label.text().startswith("● REC")
    qtbot.wait(800)
    with qtbot.waitSignal(window.worker.recordingFinished, timeout=TIMEOUT) as sig:
        key(qtbot, window, Qt.Key.Key_R)
    assert not window.view.recording and not window.rec_label.isVisible()
    path, seconds = sig.args
    assert Path(path).parent == tmp_path / "out" and path.endswith(".mp4") and seconds > 0.3
    cap = cv2.VideoCapture(path)
    ok, frame = cap.read()
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    assert ok and frame.shape == (*FRAME_SIZE, 3) and n >= 10  # 30 fps, real time


def test_no_camera_shows_a_message_and_a_button_to_open_a_file(
    qtbot: Any, make_window: Callable[..., MainWindow], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def grabber(spec: Any, on_status: Callable[[str], None]) -> Any:
        from facefilter.capture import FrameGrabber

        if isinstance(spec, int | str) and str(spec).isdigit():
            raise CaptureError("Camera 0 could not be opened. No cameras found (probed indices 1-5).")
        return FrameGrabber(spec, on_status=on_status, realtime=True)

    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(3):
        cv2.imwrite(str(frames / f"{i}.png"), np.full((120, 160, 3), 90 + i, np.uint8))
    window = make_window(source=0, grabber_factory=grabber)
    qtbot.waitUntil(lambda: window.view.panel.title.text() == "No camera", timeout=TIMEOUT)
    assert window.view.message_visible and "No cameras found" in window.view.panel.text.text()
    assert window.view.panel.open_button.isVisible()

    monkeypatch.setattr("facefilter.gui.window.QFileDialog.getOpenFileName", lambda *a, **k: (str(frames), ""))
    qtbot.mouseClick(window.view.panel.open_button, Qt.MouseButton.LeftButton)
    rf = wait_frame(qtbot, window)
    assert rf.frame.shape == (120, 160, 3) and not window.view.message_visible
    assert window.camera_combo.currentText() == "File: frames"


def test_camera_lost_shows_a_banner_and_recovers(qtbot: Any, make_window: Callable[..., MainWindow]) -> None:
    cam = FlakyCamera()
    window = make_window(source=cam, stall_after=0.3)
    wait_frame(qtbot, window)
    cam.unplug()
    qtbot.waitUntil(lambda: "lost" in window.view.banner, timeout=TIMEOUT)
    assert "retrying" in window.view.banner
    cam.plug_in()
    qtbot.waitUntil(lambda: window.view.banner == "", timeout=TIMEOUT)
    wait_frame(qtbot, window)
    assert cam.reopens >= 1


def test_closing_stops_the_worker_and_releases_the_source(
    qtbot: Any, make_window: Callable[..., MainWindow]
) -> None:
    cam = ListSource()
    window = make_window(source=cam)
    wait_frame(qtbot, window)
    window.close()
    assert window.worker.isFinished()
    assert cam.closed >= 1


def test_settings_round_trip(qtbot: Any, make_window: Callable[..., MainWindow], tmp_path: Path) -> None:
    ini = tmp_path / "roundtrip.ini"
    first = make_window(settings_file=ini, start=False)
    first.choose_filter("cat")
    first.choose_background("blur:20")
    first.set_overlay(True)
    first.set_mirror(False)
    first.resize(700, 520)  # inside the offscreen screen (800x600): restoreGeometry clamps
    qtbot.waitUntil(lambda: first.size().width() == 700, timeout=TIMEOUT)
    first.close()

    stored = AppSettings.load(QSettings(str(ini), QSettings.Format.IniFormat))
    assert (stored.filter, stored.overlay, stored.mirror, stored.background) == ("cat", True, False, "blur:20")
    second = make_window(settings_file=ini, start=False)
    assert second.active_filter == "cat" and second.filter_bar.action("cat").isChecked()
    assert second.overlay_action.isChecked() and not second.mirror_action.isChecked()
    s = second.worker.settings
    assert (s.filter, s.overlay, s.mirror_camera, s.background) == ("cat", True, False, "blur:20")
    assert second.background_combo.currentData() == "blur:20" and second.background_combo.currentText() == "Blur (20)"
    assert (second.width(), second.height()) == (700, 520)


def test_app_settings_defaults_and_unknown_filter(tmp_path: Path, make_window: Callable[..., MainWindow]) -> None:
    store = QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat)
    assert AppSettings.load(store) == AppSettings()
    AppSettings(filter="no_such_filter", camera=2).save(store)
    window = make_window(settings_file=tmp_path / "fresh.ini", start=False)
    assert window.active_filter is None  # a filter that disappeared is dropped, not an error
    assert window.settings.camera == 2


def test_virtual_camera_without_pyvirtualcam_explains(
    qtbot: Any, make_window: Callable[..., MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyvirtualcam", None)  # import fails
    window = make_window(start=False)
    key(qtbot, window, Qt.Key.Key_V)
    assert not window.vcam_action.isChecked()
    assert window.last_message is not None
    _, text = window.last_message
    assert "pip install 'facefilter[vcam]'" in text and "pyvirtualcam" in text


class MarkedCamera(ListSource):
    """The synthetic face with a white square near the top-left corner (to tell mirrored from not)."""

    def read(self) -> np.ndarray | None:
        frame = super().read()
        if frame is not None:
            frame[20:30, 20:30] = 255
        return frame


class _FakeCamera:
    """pyvirtualcam.Camera stand-in: keeps the frames sent; raises ``fail`` when opened."""

    sent: ClassVar[list[np.ndarray]] = []
    fail: ClassVar[str | None] = None

    def __init__(self, width: int, height: int, fps: float, fmt: object = None) -> None:
        if _FakeCamera.fail:
            raise RuntimeError(_FakeCamera.fail)
        self.device = "/dev/video9"

    def send(self, frame: np.ndarray) -> None:
        _FakeCamera.sent.append(frame)

    def close(self) -> None:
        pass


def _fake_pyvirtualcam(fail: str | None) -> types.ModuleType:
    mod = types.ModuleType("pyvirtualcam")
    mod.Camera = _FakeCamera  # type: ignore[attr-defined]
    mod.PixelFormat = types.SimpleNamespace(BGR="bgr")  # type: ignore[attr-defined]
    _FakeCamera.sent, _FakeCamera.fail = [], fail
    return mod


def test_virtual_camera_sends_filtered_frames(
    qtbot: Any, make_window: Callable[..., MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyvirtualcam", _fake_pyvirtualcam(None))
    window = make_window(source=MarkedCamera())
    wait_frame(qtbot, window)
    with qtbot.waitSignal(window.worker.vcamStarted, timeout=TIMEOUT) as sig:
        key(qtbot, window, Qt.Key.Key_V)
    assert sig.args == ["/dev/video9"] and window.vcam_action.isChecked()
    qtbot.waitUntil(lambda: len(_FakeCamera.sent) >= 3, timeout=TIMEOUT)
    assert _FakeCamera.sent[0].shape == (*FRAME_SIZE, 3)
    # A camera is shown mirrored; the call gets it the right way round, as from a webcam.
    assert window.mirror_action.isChecked()
    shown = window.last_frame
    assert shown is not None and shown.frame[20:30, -30:-20].min() == 255  # the mark, mirrored on screen
    assert _FakeCamera.sent[-1][20:30, 20:30].min() == 255  # where the camera saw it
    key(qtbot, window, Qt.Key.Key_V)
    assert not window.vcam_action.isChecked()


def test_virtual_camera_without_backend_explains(
    qtbot: Any, make_window: Callable[..., MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyvirtualcam", _fake_pyvirtualcam("'v4l2loopback' backend: no device"))
    window = make_window()
    wait_frame(qtbot, window)
    with qtbot.waitSignal(window.worker.vcamFailed, timeout=TIMEOUT):
        key(qtbot, window, Qt.Key.Key_V)
    qtbot.waitUntil(lambda: not window.vcam_action.isChecked(), timeout=TIMEOUT)
    assert window.last_message is not None
    assert "v4l2loopback" in window.last_message[1] or "OBS" in window.last_message[1]


def test_import_filter_zip_adds_and_applies_it(
    qtbot: Any, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    zpath = tmp_path / "shades.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in (builtin_dir() / "sunglasses").iterdir():
            zf.write(f, f"shades/{f.name}")
    window = make_window()
    name = window.import_zip(zpath)
    assert name == "shades" and (tmp_path / "user_filters" / "shades").is_dir()
    assert window.filter_bar.names[-1] == "shades" and window.active_filter == "shades"
    wait_frame(qtbot, window, lambda rf: eye_brightness(rf) < 100)  # the worker renders the new filter

    assert window.import_zip(zpath) is None  # already there: refused with a message
    assert window.last_message is not None and "already exists" in window.last_message[1]


def test_view_keeps_the_aspect_ratio(qtbot: Any, make_window: Callable[..., MainWindow]) -> None:
    window = make_window()
    rf = wait_frame(qtbot, window)
    h, w = rf.frame.shape[:2]
    for size in ((1000, 600), (600, 900)):
        window.resize(*size)
        qtbot.waitUntil(lambda s=size: window.width() == s[0], timeout=TIMEOUT)
        r = window.view.image_rect()
        assert r.width() / r.height() == pytest.approx(w / h, rel=1e-3)
        view = window.view.rect()
        assert r.width() == pytest.approx(view.width()) or r.height() == pytest.approx(view.height())
        assert r.center().x() == pytest.approx(view.center().x(), abs=1) and r.center().y() == pytest.approx(
            view.center().y(), abs=1)


def test_screenshot_hook_writes_png_and_description(
    qtbot: Any, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    import json

    window = make_window()
    wait_frame(qtbot, window)
    info = window.save_screenshot(tmp_path / "shot.png")
    img = cv2.imread(str(tmp_path / "shot.png"))
    assert img is not None and img.shape[1] == window.width()
    assert json.loads((tmp_path / "shot.png.json").read_text()) == json.loads(json.dumps(info))
    assert info["frame_size"] == [FRAME_SIZE[1], FRAME_SIZE[0]] and len(info["faces"]) == 1


def corner_colour(rf: RenderedFrame) -> tuple[int, ...]:
    """BGR at (5, 5) of the shown frame: the room, far from the drawn face."""
    return tuple(int(v) for v in rf.frame[5, 5])


def test_background_picker_replaces_the_room_and_keeps_the_face(
    qtbot: Any, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window()
    plain = wait_frame(qtbot, window)
    assert corner_colour(plain) == (60, 60, 60) and window.background_combo.currentData() == "none"
    combo = window.background_combo
    assert [combo.itemData(i) for i in range(combo.count())][:3] == ["none", "blur", "desaturate"]
    assert {"image:office", "image:studio", "image:beach"} <= {combo.itemData(i) for i in range(combo.count())}

    assert window.choose_background("color:#00FF00")
    assert window.worker.settings.background == "color:#00FF00" and combo.currentText() == "Colour #00FF00"
    rf = wait_frame(qtbot, window, lambda rf: corner_colour(rf) == (0, 255, 0))
    assert eye_brightness(rf) > 200  # the face is still the camera's

    pos = combo.findData("image:beach")
    combo.setCurrentIndex(pos)
    combo.activated.emit(pos)  # as a user's pick
    assert window.settings.background == "image:beach"
    wait_frame(qtbot, window, lambda rf: corner_colour(rf)[0] > 150 > corner_colour(rf)[2])  # blue sky

    window._fill_background_menu()
    grey = next(a for a in window.background_menu.actions() if a.text() == "Grey")
    grey.trigger()
    assert window.worker.settings.background == "desaturate"
    window._fill_background_menu()  # rebuilt each time it opens
    assert [a.text() for a in window.background_menu.actions() if a.isChecked()] == ["Grey"]


def test_a_bad_background_picture_says_which_file_and_stays_off(
    qtbot: Any, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window(start=False)
    window.choose_background("blur")
    broken = tmp_path / "holiday.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    assert not window.choose_background(f"image:{broken}")
    assert window.last_message is not None
    title, text = window.last_message
    assert title == "Background effect off" and str(broken) in text
    assert window.settings.background == "none" and window.worker.settings.background == "none"
    assert window.background_combo.currentData() == "none"


def test_a_remembered_picture_that_is_gone_turns_the_effect_off_with_a_note(
    make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    ini = tmp_path / "gone.ini"
    gone = tmp_path / "removed.png"
    AppSettings(background=f"image:{gone}").save(QSettings(str(ini), QSettings.Format.IniFormat))
    window = make_window(settings_file=ini, start=False)
    assert window.settings.background == "none" and window.worker.settings.background == "none"
    assert str(gone) in window.statusBar().currentMessage() and "background effect off" in \
        window.statusBar().currentMessage()
    assert window.last_message is None  # a note at start-up, not a dialog


def test_the_virtual_camera_and_recording_get_the_composited_picture(
    qtbot: Any, make_window: Callable[..., MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyvirtualcam", _fake_pyvirtualcam(None))
    window = make_window()
    window.choose_background("color:#0000FF")
    wait_frame(qtbot, window, lambda rf: corner_colour(rf) == (255, 0, 0))
    with qtbot.waitSignal(window.worker.vcamStarted, timeout=TIMEOUT):
        key(qtbot, window, Qt.Key.Key_V)
    key(qtbot, window, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: len(_FakeCamera.sent) >= 3, timeout=TIMEOUT)
    qtbot.wait(500)
    with qtbot.waitSignal(window.worker.recordingFinished, timeout=TIMEOUT) as sig:
        key(qtbot, window, Qt.Key.Key_R)
    sent = _FakeCamera.sent[-1]
    assert tuple(int(v) for v in sent[5, 5]) == (255, 0, 0)  # the call sees the colour behind the face
    cap = cv2.VideoCapture(sig.args[0])
    ok, frame = cap.read()
    cap.release()
    assert ok and np.abs(frame[5:15, 5:15].astype(int) - (255, 0, 0)).max() < 30  # the recording too (MP4)


def test_frames_show_while_the_models_load_then_the_filter_applies(
    qtbot: Any, tmp_path: Path, builtin: dict[str, Any]
) -> None:
    """Quick start: the camera's frames are on screen before the pipeline is built; a filter
    picked and filters added meanwhile are applied as soon as it is."""
    import threading

    from facefilter.capture import FrameGrabber
    from facefilter.gui.worker import PipelineWorker
    from facefilter.pipeline import Pipeline
    from tests.gui.fakes import FACE_POINTS, FakeTracker

    release = threading.Event()

    def slow_factory() -> Pipeline:
        release.wait(10.0)  # "loading the models" until the test says so
        return Pipeline(FakeTracker(FACE_POINTS), {})  # the filters come from the window

    worker = PipelineWorker(slow_factory, grabber_factory=lambda spec, on_status: FrameGrabber(
        spec, on_status=on_status, realtime=True))
    window = MainWindow(worker, dict(builtin), QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                        source=ListSource(), output_dir=tmp_path / "out", user_filter_dir=tmp_path / "user")
    qtbot.addWidget(window)
    window.show()
    window.start()
    early = wait_frame(qtbot, window, lambda rf: True)
    assert early.faces == [] and early.filter_status == LOADING_STATUS and worker.pipeline is None
    worker.set_filters(dict(builtin))  # e.g. a filter imported while loading
    window.choose_filter("sunglasses")
    release.set()
    late = wait_frame(qtbot, window, lambda rf: processed(rf) and eye_brightness(rf) < 100)
    assert len(late.faces) == 1 and worker.pipeline is not None
