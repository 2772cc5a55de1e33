"""Capture: sources, bad camera index, lost camera recovery, corrupt frames, end of video."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from facefilter.capture import (
    CameraSource,
    CaptureError,
    FrameGrabber,
    ImageFolderSource,
    SourceLostError,
    VideoFileSource,
    list_cameras,
    open_source,
)


class FakeCameras:
    """A set of fake cameras for ``capture_factory``: ``present`` indices open; ``plugged`` can be cleared."""

    def __init__(self, present: tuple[int, ...] = (0,), size: tuple[int, int] = (64, 48)) -> None:
        self.present = set(present)
        self.size = size
        self.plugged = threading.Event()
        self.plugged.set()
        self.opened: list[int] = []
        self.frames = 0

    def __call__(self, index: int) -> FakeCapture:
        self.opened.append(index)
        return FakeCapture(self, index, index in self.present and self.plugged.is_set())


class FakeCapture:
    """Mimics the ``cv2.VideoCapture`` calls the sources make."""

    def __init__(self, cams: FakeCameras, index: int, opened: bool) -> None:
        self.cams, self.index, self._opened = cams, index, opened

    def isOpened(self) -> bool:
        return self._opened

    def read(self) -> tuple[bool, np.ndarray | None]:
        if not (self._opened and self.cams.plugged.is_set()):
            return False, None
        time.sleep(0.002)
        self.cams.frames += 1
        w, h = self.cams.size
        return True, np.full((h, w, 3), self.cams.frames % 256, np.uint8)

    def release(self) -> None:
        self._opened = False

    def get(self, prop: int) -> float:
        return 30.0 if prop == cv2.CAP_PROP_FPS else 0.0

    def set(self, prop: int, value: float) -> bool:
        return True


def write_video(path: Path, n: int, size: tuple[int, int] = (64, 48), fps: float = 30.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    for i in range(n):
        writer.write(np.full((size[1], size[0], 3), i * 10 % 256, np.uint8))
    writer.release()
    return path


def test_open_source_dispatch(tmp_path: Path) -> None:
    cams = FakeCameras(present=(0,))
    assert isinstance(open_source("0", capture_factory=cams), CameraSource)
    assert isinstance(open_source(0, capture_factory=cams), CameraSource)
    assert isinstance(open_source(write_video(tmp_path / "v.avi", 3)), VideoFileSource)
    (tmp_path / "imgs").mkdir()
    cv2.imwrite(str(tmp_path / "imgs" / "a.png"), np.zeros((8, 8, 3), np.uint8))
    assert isinstance(open_source(tmp_path / "imgs"), ImageFolderSource)
    with pytest.raises(CaptureError, match="no such file or folder"):
        open_source(tmp_path / "missing.mp4")


def test_bad_camera_index_lists_working_cameras() -> None:
    cams = FakeCameras(present=(0, 2))
    with pytest.raises(CaptureError) as info:
        CameraSource(5, capture_factory=cams)
    assert "Camera 5 could not be opened" in str(info.value)
    assert "Cameras that work: 0, 2" in str(info.value)
    assert list_cameras(range(4), cams) == [0, 2]


def test_bad_camera_index_when_there_are_none() -> None:
    with pytest.raises(CaptureError, match=r"No cameras found \(probed indices 1-5\)"):
        open_source("0", capture_factory=FakeCameras(present=()))


def test_camera_read_lost_raises() -> None:
    cams = FakeCameras()
    cam = CameraSource(0, capture_factory=cams)
    assert cam.read().shape == (48, 64, 3)
    cams.plugged.clear()
    with pytest.raises(SourceLostError, match="camera 0"):
        cam.read()


def test_grabber_recovers_lost_camera() -> None:
    cams = FakeCameras()
    messages: list[str] = []
    with FrameGrabber(CameraSource(0, capture_factory=cams), messages.append, retry_interval=0.05) as grabber:
        first = grabber.latest(timeout=2)
        assert first is not None and first[1].shape == (48, 64, 3)
        cams.plugged.clear()
        deadline = time.monotonic() + 2
        while not any("lost" in m for m in messages) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert any(m.startswith("camera 0 lost") for m in messages), messages
        cams.plugged.set()
        deadline = time.monotonic() + 2
        while not any("is back" in m for m in messages) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert any("camera 0 is back" in m for m in messages), messages
        later = grabber.latest(timeout=2)
        assert later is not None and later[0] > first[0]
        assert not grabber.finished


def test_grabber_keeps_only_newest_frame() -> None:
    cams = FakeCameras()
    with FrameGrabber(CameraSource(0, capture_factory=cams)) as grabber:
        assert grabber.latest(timeout=2) is not None
        time.sleep(0.1)  # the fake camera delivers a frame every ~2 ms meanwhile
        index, _ = grabber.latest(timeout=2) or (None, None)
        assert index is not None and index > 5
        assert grabber.frames_dropped > 0


def test_video_file_plays_to_the_end(tmp_path: Path) -> None:
    path = write_video(tmp_path / "clip.avi", 12)
    messages: list[str] = []
    grabber = FrameGrabber(path, messages.append, realtime=False)
    grabber.start()
    seen = []
    while (item := grabber.latest(timeout=2)) is not None:
        seen.append(item[0])
        time.sleep(0.001)
    assert grabber.finished
    assert seen and seen[-1] == 11  # the last frame is always handed over
    assert messages[-1] == "end of clip.avi (12 frames)"
    grabber.stop()


def test_video_file_source_reads_all_frames(tmp_path: Path) -> None:
    src = VideoFileSource(write_video(tmp_path / "clip.avi", 5))
    frames = []
    while (f := src.read()) is not None:
        frames.append(f)
    assert len(frames) == 5 and frames[0].shape == (48, 64, 3) and frames[0].dtype == np.uint8
    src.close()


def test_unreadable_video_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all")
    with pytest.raises(CaptureError, match=r"bad\.mp4: cannot open as a video"):
        VideoFileSource(bad)


def test_corrupt_image_in_folder_is_skipped(tmp_path: Path) -> None:
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"{i}.png"), np.full((10, 12, 3), i, np.uint8))
    (tmp_path / "1.png").write_bytes(b"garbage")  # corrupt the middle one
    messages: list[str] = []
    grabber = FrameGrabber(tmp_path, messages.append, realtime=False).start()
    values = []
    while (item := grabber.latest(timeout=2)) is not None:
        values.append(int(item[1][0, 0, 0]))
        time.sleep(0.02)
    grabber.stop()
    assert values[-1] == 2 and 1 not in values
    assert grabber.frames_skipped == 1
    assert any("1.png: cannot read as an image, skipped" in m for m in messages)


def test_empty_folder_and_grey_frames(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="no images found"):
        ImageFolderSource(tmp_path)
    cv2.imwrite(str(tmp_path / "g.png"), np.zeros((5, 7), np.uint8))
    frame = ImageFolderSource(tmp_path).read()
    assert frame is not None and frame.shape == (5, 7, 3)
