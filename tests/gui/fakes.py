"""Stand-ins for the GUI tests: an in-memory frame source and a tracker that 'finds' the drawn face."""

from __future__ import annotations

import threading
import time

import numpy as np

from facefilter.capture import SourceLostError
from facefilter.types import Box, Face
from tests.conftest import draw_face, mean_face_points

FRAME_SIZE = (240, 320)  # h, w
FACE_POINTS = mean_face_points(center=(160.0, 125.0), iod=90.0)


def person_mask() -> np.ndarray:
    """float32 240x320: the drawn face (hull of jaw and brows) and a body below the chin, 1 = person."""
    import cv2

    m = np.zeros(FRAME_SIZE, np.float32)
    p = np.round(FACE_POINTS).astype(np.int32)
    cv2.fillConvexPoly(m, cv2.convexHull(np.concatenate([p[:17], p[17:27]])), 1.0)
    x0, x1 = int(FACE_POINTS[:17, 0].min()), int(FACE_POINTS[:17, 0].max())
    m[int(FACE_POINTS[8, 1]) - 5 :, x0:x1] = 1.0
    return m


def face_frame(shift: int = 0) -> np.ndarray:
    """A 320x240 BGR frame of the synthetic face (``shift``: a bright column, so frames differ)."""
    img = draw_face(FACE_POINTS, FRAME_SIZE, bg=60)
    img[:8, shift % FRAME_SIZE[1]] = 255
    return img


class ListSource:
    """A FrameSource of the synthetic face: endless (``frames=None``) or ``frames`` long; counts closes."""

    def __init__(self, frames: int | None = None, *, is_camera: bool = True, fps: float = 30.0,
                 name: str = "test camera") -> None:
        self.name = name
        self.is_camera = is_camera
        self.fps = fps
        self.frames = frames
        self.read_count = 0
        self.closed = 0

    def read(self) -> np.ndarray | None:
        if self.frames is not None and self.read_count >= self.frames:
            return None
        self.read_count += 1
        if self.is_camera:
            time.sleep(1 / self.fps)  # a camera paces itself
        return face_frame(self.read_count)

    def close(self) -> None:
        self.closed += 1


class FlakyCamera(ListSource):
    """A camera that stops delivering (reads raise SourceLostError) until :meth:`plug_in` is called."""

    def __init__(self) -> None:
        super().__init__(name="flaky camera")
        self.unplugged = threading.Event()
        self.reopens = 0

    def read(self) -> np.ndarray | None:
        if self.unplugged.is_set():
            time.sleep(0.01)
            raise SourceLostError(f"{self.name} stopped delivering frames")
        return super().read()

    def reopen(self) -> bool:
        self.reopens += 1
        return not self.unplugged.is_set()

    def unplug(self) -> None:
        self.unplugged.set()

    def plug_in(self) -> None:
        self.unplugged.clear()


class FakeTracker:
    """Reports one face (id 1) at fixed points on every frame; no model, no detector."""

    def __init__(self, points: np.ndarray) -> None:
        self.points = np.asarray(points, np.float32)
        self.last_timings: dict[str, float] = {}
        self.resets = 0

    def process(self, frame_bgr: np.ndarray, timestamp: float | None = None) -> list[Face]:
        self.last_timings = {"detect": 0.0, "landmarks": 0.0, "smooth": 0.0, "track": 0.1}
        return [Face(Box.from_points(self.points), self.points.copy(), 1, 1.0, {})]

    def reset(self) -> None:
        self.resets += 1
