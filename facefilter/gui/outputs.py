"""Where filtered frames go besides the screen: PNG snapshots, MP4 recordings, a virtual webcam.

No Qt here: the worker thread feeds :class:`Recorder` and :class:`VirtualCamera` with every
rendered frame (HxWx3 uint8 BGR, as shown on screen); snapshots are written by the GUI thread.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

VCAM_INSTALL_HINT = "pip install 'facefilter[vcam]'"


def timestamped_path(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem-YYYYmmdd-HHMMSS<suffix>`` (``-2``, ``-3``... appended if it exists); creates ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{stem}-{datetime.now():%Y%m%d-%H%M%S}"
    path = folder / f"{base}{suffix}"
    n = 2
    while path.exists():
        path = folder / f"{base}-{n}{suffix}"
        n += 1
    return path


def save_snapshot(frame_bgr: np.ndarray, folder: Path) -> Path:
    """Write ``frame_bgr`` (HxWx3 uint8 BGR) as a PNG in ``folder``; returns its path. Raises OSError."""
    if not isinstance(frame_bgr, np.ndarray) or frame_bgr.dtype != np.uint8 or frame_bgr.ndim != 3:
        raise ValueError(f"snapshot needs an HxWx3 uint8 BGR frame, got {getattr(frame_bgr, 'shape', frame_bgr)}")
    path = timestamped_path(folder, "facefilter", ".png")
    ok, data = cv2.imencode(".png", frame_bgr)
    if not ok:
        raise OSError(f"{path}: PNG encoding failed")
    path.write_bytes(data.tobytes())
    return path


class Recorder:
    """Writes frames to an MP4 (``mp4v``) at a constant ``fps``, in real time.

    Frames arrive at whatever rate the pipeline manages; each :meth:`write` repeats or skips
    the frame so that the file's frame count follows the wall clock, and the video plays at
    the speed it was filmed. Every frame is resized to the first frame's size (the source may
    change while recording). ``clock`` is injectable for tests.
    """

    def __init__(self, path: Path, fps: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = Path(path)
        self.fps = float(fps)
        self._clock = clock
        self._writer: cv2.VideoWriter | None = None
        self._size: tuple[int, int] | None = None
        self._start = 0.0
        self.frames_written = 0

    def write(self, frame_bgr: np.ndarray) -> None:
        """Add ``frame_bgr`` (HxWx3 uint8 BGR); the first call opens the file. Raises OSError."""
        now = self._clock()
        if self._writer is None:
            h, w = frame_bgr.shape[:2]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), self.fps, (w, h))
            if not writer.isOpened():
                raise OSError(f"{self.path}: cannot open an MP4 writer (OpenCV without FFmpeg?)")
            self._writer, self._size, self._start = writer, (w, h), now
        if (frame_bgr.shape[1], frame_bgr.shape[0]) != self._size:
            frame_bgr = cv2.resize(frame_bgr, self._size, interpolation=cv2.INTER_AREA)
        due = int((now - self._start) * self.fps) + 1  # frames the file should hold by now
        for _ in range(max(0, due - self.frames_written)):
            self._writer.write(frame_bgr)
            self.frames_written += 1

    @property
    def seconds(self) -> float:
        return self.frames_written / self.fps

    def close(self) -> Path:
        """Finish the file (safe to call twice); returns its path."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        return self.path


def vcam_backend_hint() -> str:
    """What a virtual camera needs on this operating system, for the user."""
    system = platform.system()
    if system == "Linux":
        return ("On Linux it needs the v4l2loopback kernel module: sudo apt install v4l2loopback-dkms, then "
                "sudo modprobe v4l2loopback devices=1 exclusive_caps=1 card_label=facefilter")
    if system in ("Windows", "Darwin"):
        return "It needs OBS Studio (version 26 or later) installed; start OBS's virtual camera once, then close OBS."
    return "pyvirtualcam supports Linux (v4l2loopback), Windows and macOS (OBS Studio)."


def vcam_unavailable_reason() -> str | None:
    """``None`` when pyvirtualcam can be imported, else a message saying how to install it."""
    try:
        import pyvirtualcam  # noqa: F401
    except ImportError as exc:
        return (f"The virtual camera needs the optional package pyvirtualcam ({exc}). "
                f"Install it with:  {VCAM_INSTALL_HINT}\n\n{vcam_backend_hint()}")
    return None


class VirtualCamera:
    """Sends frames to a virtual webcam (pyvirtualcam) that video-call apps can pick.

    Opened on the first :meth:`send` with that frame's size; a size change reopens it.
    Raises :class:`RuntimeError` with a message for the user when pyvirtualcam or its backend
    (v4l2loopback, OBS) is missing.
    """

    def __init__(self, fps: float = 30.0) -> None:
        self.fps = fps
        self._cam: object | None = None
        self._size: tuple[int, int] | None = None
        self.device = ""

    def _open(self, width: int, height: int) -> None:
        reason = vcam_unavailable_reason()
        if reason is not None:
            raise RuntimeError(reason)
        import pyvirtualcam

        try:
            self._cam = pyvirtualcam.Camera(width, height, self.fps, fmt=pyvirtualcam.PixelFormat.BGR)
        except Exception as exc:  # pyvirtualcam raises RuntimeError, backends may raise others
            raise RuntimeError(f"No virtual camera backend could be opened: {exc}\n\n{vcam_backend_hint()}") from None
        self._size = (width, height)
        self.device = str(getattr(self._cam, "device", "virtual camera"))

    def send(self, frame_bgr: np.ndarray) -> None:
        h, w = frame_bgr.shape[:2]
        if self._cam is not None and self._size != (w, h):
            self.close()
        if self._cam is None:
            self._open(w, h)
        self._cam.send(np.ascontiguousarray(frame_bgr))  # type: ignore[attr-defined]

    def close(self) -> None:
        if self._cam is not None:
            self._cam.close()  # type: ignore[attr-defined]
            self._cam = None
