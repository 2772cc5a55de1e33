"""Frames in, a rendered frame out: the tracker, mirroring, one filter and the overlay. No Qt here.

:class:`Pipeline` runs a :class:`~facefilter.tracker.FaceTracker` on each frame, mirrors the
picture and the faces when asked, renders the active filter and the landmark overlay. Frames are
HxWx3 uint8 BGR; points are frame pixels.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from facefilter.overlay import draw_overlay
from facefilter.tracker import FaceTracker, TrackerConfig, eye_roll, upright_box
from facefilter.types import FLIP_PERMUTATION, Box, Face

__all__ = [
    "FaceTracker", "Filter", "FrameResult", "Pipeline", "TrackerConfig", "eye_roll", "mirror_faces", "upright_box",
]

_FLIP = np.asarray(FLIP_PERMUTATION)


class Filter(Protocol):
    """What :class:`Pipeline` needs of a filter (see ``facefilter.filters``)."""

    name: str

    def render(self, frame_bgr: np.ndarray, faces: Sequence[Face]) -> np.ndarray: ...


@dataclass
class FrameResult:
    """One processed frame: the rendered BGR ``frame``, the ``faces`` (in that frame's pixels,
    mirrored when the pipeline mirrors) and per-stage times in ms (``detect``, ``landmarks``,
    ``smooth``, ``track``, ``render``, ``total``)."""

    frame: np.ndarray
    faces: list[Face]
    timings_ms: dict[str, float]


def mirror_faces(faces: Sequence[Face], width: int) -> list[Face]:
    """Faces of a frame ``width`` px wide as seen in its left-right mirror image.

    x becomes ``width - 1 - x`` and the points are relabelled (:data:`FLIP_PERMUTATION`), so
    point 36 is still the outer corner of the eye on the image left, as the model would say.
    The head pose is mirrored too (:meth:`HeadPose.mirrored`: yaw and roll change sign).
    """
    out = []
    for f in faces:
        pts = f.landmarks.copy()
        pts[:, 0] = (width - 1) - pts[:, 0]
        pts = pts[_FLIP]
        extra = dict(f.extra)
        if "roll" in extra:
            extra["roll"] = -extra["roll"]
        pose = f.pose.mirrored(width) if f.pose is not None else None
        out.append(Face(Box.from_points(pts), pts, f.id, f.score, extra, pose))
    return out


class Pipeline:
    """Tracker + one filter + overlay, for the app and the benchmark.

    ``filters`` maps names to filters; ``active_filter`` picks one (``None``: none). ``overlay``
    draws landmarks and boxes on top. ``mirror`` shows the frame mirrored (a selfie view); faces
    are tracked on the unmirrored frame so toggling it keeps ids and smoothing.
    """

    def __init__(self, tracker: FaceTracker, filters: Mapping[str, Filter] | None = None) -> None:
        self.tracker = tracker
        self.filters: dict[str, Filter] = dict(filters or {})
        self.active_filter: str | None = None
        self.overlay = False
        self.mirror = False

    def process(self, frame_bgr: np.ndarray, timestamp: float | None = None) -> FrameResult:
        """Track, mirror if asked, render the active filter and the overlay; the input is not modified."""
        t0 = time.perf_counter()
        faces = self.tracker.process(frame_bgr, timestamp)
        timings = dict(self.tracker.last_timings)
        tr = time.perf_counter()
        frame = frame_bgr
        if self.mirror:
            frame = cv2.flip(frame_bgr, 1)
            faces = mirror_faces(faces, frame_bgr.shape[1])
        flt = self.filters.get(self.active_filter) if self.active_filter else None
        if flt is not None and faces:
            frame = flt.render(frame, faces)
        if self.overlay:
            frame = draw_overlay(frame.copy() if frame is frame_bgr else frame, faces)
        elif frame is frame_bgr:
            frame = frame_bgr.copy()
        timings["render"] = (time.perf_counter() - tr) * 1000
        timings["total"] = (time.perf_counter() - t0) * 1000
        return FrameResult(frame, faces, timings)
