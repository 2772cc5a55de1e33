"""Frame sources: a camera by index, a video file, or a folder of images, behind one interface.

Every source hands out HxWx3 ``uint8`` **BGR** frames (grey and BGRA input is converted).
``read()`` returns ``None`` at the end of a finite stream; a camera has no end: when it stops
delivering frames ``read()`` raises :class:`SourceLostError`. A single unusable frame raises
:class:`CorruptFrameError`; the next ``read()`` may succeed. This is the only module that
opens cameras or video files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
DEFAULT_PROBE_INDICES = tuple(range(6))


class CaptureError(RuntimeError):
    """A source cannot be opened or read; the message names the camera or file and says why."""


class SourceLostError(CaptureError):
    """A camera stopped delivering frames (unplugged, taken by another program)."""


class CorruptFrameError(CaptureError):
    """One frame could not be decoded; the stream itself may go on."""


class VideoCaptureLike(Protocol):
    """The part of ``cv2.VideoCapture`` the sources use (so tests can inject a fake)."""

    def isOpened(self) -> bool: ...

    def read(self) -> tuple[bool, np.ndarray | None]: ...

    def release(self) -> None: ...

    def get(self, prop: int) -> float: ...

    def set(self, prop: int, value: float) -> bool: ...


CaptureFactory = Callable[..., VideoCaptureLike]


@runtime_checkable
class FrameSource(Protocol):
    """Anything that yields frames: ``name``, ``is_camera``, ``fps`` (0 = unknown), ``read()``, ``close()``."""

    name: str
    is_camera: bool
    fps: float

    def read(self) -> np.ndarray | None: ...

    def close(self) -> None: ...


def as_bgr(frame: object, where: str) -> np.ndarray:
    """``frame`` as HxWx3 uint8 BGR (grey and BGRA are converted); anything else raises CorruptFrameError."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.size == 0:
        raise CorruptFrameError(f"{where}: unusable frame ({getattr(frame, 'dtype', type(frame).__name__)})")
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.ndim == 3 and frame.shape[2] == 3:
        return frame
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    if frame.ndim == 3 and frame.shape[2] == 1:
        return cv2.cvtColor(frame[:, :, 0], cv2.COLOR_GRAY2BGR)
    raise CorruptFrameError(f"{where}: unusable frame of shape {frame.shape}")


def _open_camera(factory: CaptureFactory, index: int) -> VideoCaptureLike | None:
    try:
        cap = factory(index)
    except Exception:  # a driver may raise instead of returning a closed capture
        return None
    if cap is not None and cap.isOpened():
        return cap
    if cap is not None:
        cap.release()
    return None


def list_cameras(
    indices: Sequence[int] = DEFAULT_PROBE_INDICES, capture_factory: CaptureFactory = cv2.VideoCapture
) -> list[int]:
    """The camera indices among ``indices`` that open and deliver a frame (opens each briefly)."""
    found = []
    for i in indices:
        cap = _open_camera(capture_factory, i)
        if cap is None:
            continue
        try:
            ok, frame = cap.read()
        finally:
            cap.release()
        if ok and frame is not None:
            found.append(i)
    return found


def _describe_cameras(found: list[int], probed: Sequence[int]) -> str:
    span = f"{min(probed)}-{max(probed)}" if probed else "none"
    if not found:
        return f"No cameras found (probed indices {span})."
    return f"Cameras that work: {', '.join(str(i) for i in found)} (probed indices {span})."


class CameraSource:
    """A webcam by index (``cv2.VideoCapture``). A failed read raises :class:`SourceLostError`.

    ``size`` asks the driver for a resolution (``(width, height)``; it may pick another).
    ``capture_factory`` replaces ``cv2.VideoCapture`` (tests inject a fake).
    """

    is_camera = True

    def __init__(
        self,
        index: int,
        *,
        size: tuple[int, int] | None = (640, 480),
        capture_factory: CaptureFactory = cv2.VideoCapture,
        probe_indices: Sequence[int] = DEFAULT_PROBE_INDICES,
    ) -> None:
        if index < 0:
            raise CaptureError(f"Camera index must be >= 0, got {index}")
        self.index = index
        self.name = f"camera {index}"
        self.size = size
        self.fps = 0.0
        self._factory = capture_factory
        self._cap: VideoCaptureLike | None = None
        if not self.reopen():
            others = [i for i in probe_indices if i != index]
            found = list_cameras(others, capture_factory)
            raise CaptureError(f"Camera {index} could not be opened. {_describe_cameras(found, others)}")

    def reopen(self) -> bool:
        """(Re)open the camera; True when it is open. Used to recover a lost camera."""
        self.close()
        cap = _open_camera(self._factory, self.index)
        if cap is None:
            return False
        if self.size is not None:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.size[0])
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.size[1])
        self.fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self._cap = cap
        return True

    def read(self) -> np.ndarray:
        if self._cap is None:
            raise SourceLostError(f"{self.name} is not open")
        ok, frame = self._cap.read()
        if not ok or frame is None:
            raise SourceLostError(f"{self.name} stopped delivering frames")
        return as_bgr(frame, self.name)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class VideoFileSource:
    """A video file read frame by frame; ``read()`` returns ``None`` at the end.

    A frame that fails to decode before the container's frame count is skipped (reported as
    :class:`CorruptFrameError`); ``max_bad_frames`` failures in a row count as the end.
    """

    is_camera = False

    def __init__(
        self, path: str | Path, *, capture_factory: CaptureFactory = cv2.VideoCapture, max_bad_frames: int = 25
    ) -> None:
        self.path = Path(path)
        self.name = self.path.name
        if not self.path.is_file():
            raise CaptureError(f"{self.path}: no such video file")
        cap = capture_factory(str(self.path))
        if cap is None or not cap.isOpened():
            raise CaptureError(f"{self.path}: cannot open as a video (unknown format or corrupt file)")
        self._cap: VideoCaptureLike | None = cap
        self.fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.frame_count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self._position = 0
        self._bad_in_row = 0
        self.max_bad_frames = max_bad_frames

    def read(self) -> np.ndarray | None:
        if self._cap is None:
            return None
        ok, frame = self._cap.read()
        self._position += 1
        if ok and frame is not None:
            self._bad_in_row = 0
            return as_bgr(frame, f"{self.name} frame {self._position - 1}")
        self._bad_in_row += 1
        if self._position >= self.frame_count or self._bad_in_row >= self.max_bad_frames:
            return None
        raise CorruptFrameError(f"{self.name}: frame {self._position - 1} could not be decoded, skipped")

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class ImageFolderSource:
    """The images of a folder in name order, one per ``read()``; unreadable ones raise CorruptFrameError.

    ``fps`` is the pace a :class:`~facefilter.capture.FrameGrabber` plays them at.
    """

    is_camera = False

    def __init__(self, folder: str | Path, *, fps: float = 30.0) -> None:
        self.folder = Path(folder)
        self.name = self.folder.name or str(self.folder)
        self.fps = fps
        if not self.folder.is_dir():
            raise CaptureError(f"{self.folder}: no such folder")
        self.files = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if not self.files:
            raise CaptureError(f"{self.folder}: no images found (looked for {', '.join(IMAGE_SUFFIXES)})")
        self._next = 0

    def read(self) -> np.ndarray | None:
        if self._next >= len(self.files):
            return None
        path = self.files[self._next]
        self._next += 1
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if frame is None:
            raise CorruptFrameError(f"{path}: cannot read as an image, skipped")
        return frame

    def close(self) -> None:
        self._next = len(self.files)


def open_source(
    spec: str | int | Path, *, capture_factory: CaptureFactory = cv2.VideoCapture, size: tuple[int, int] | None = None
) -> FrameSource:
    """Open ``spec``: an int or digit string is a camera index, a folder is a folder of images,
    anything else a video file. Raises :class:`CaptureError` with a message for the user.

    ``size`` is the camera resolution to ask for (default 640x480).
    """
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        return CameraSource(int(spec), size=size or (640, 480), capture_factory=capture_factory)
    path = Path(spec)
    if path.is_dir():
        return ImageFolderSource(path)
    if not path.exists():
        raise CaptureError(f"{path}: no such file or folder (give a camera index, a video file or a folder of images)")
    return VideoFileSource(path, capture_factory=capture_factory)

