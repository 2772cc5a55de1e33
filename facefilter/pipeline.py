"""Frames in, a rendered frame out: the tracker, the background effect, mirroring, one filter and
the overlay. No Qt here.

:class:`Pipeline` runs a :class:`~facefilter.tracker.FaceTracker` on each frame, puts the person
over the background effect (blur, picture, colour, grey; :mod:`facefilter.background`), mirrors
the picture and the faces when asked, renders the active filter on top and the landmark overlay.
Frames are HxWx3 uint8 BGR; points are frame pixels.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import cv2
import numpy as np

from facefilter.background import BackgroundEffect, BackgroundSpec, EffectConfig, Segmenter
from facefilter.expression.config import EXTRA_LABEL, to_extra
from facefilter.expression.smoothing import ExpressionSmoother
from facefilter.overlay import draw_expressions, draw_overlay
from facefilter.tracker import FaceTracker, TrackerConfig, eye_roll, upright_box
from facefilter.types import FLIP_PERMUTATION, Box, Face

__all__ = [
    "FaceTracker", "Filter", "FrameResult", "Pipeline", "TrackerConfig", "eye_roll", "mirror_faces", "upright_box",
]

_FLIP = np.asarray(FLIP_PERMUTATION)
log = logging.getLogger(__name__)


class Filter(Protocol):
    """What :class:`Pipeline` needs of a filter (see ``facefilter.filters``)."""

    name: str

    def render(self, frame_bgr: np.ndarray, faces: Sequence[Face], t: float | None = None) -> np.ndarray: ...


@dataclass
class FrameResult:
    """One processed frame: the rendered BGR ``frame``, the ``faces`` (in that frame's pixels,
    mirrored when the pipeline mirrors) and per-stage times in ms (``detect``, ``landmarks``,
    ``smooth``, ``track``, ``background`` (0 when off), ``render``, ``total``). ``status``: what
    the active filter says about this frame (its ``status`` attribute, e.g. a face swap that needs
    a second face; ``""`` when it has nothing to say or did not draw)."""

    frame: np.ndarray
    faces: list[Face]
    timings_ms: dict[str, float]
    status: str = ""


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
    """Tracker + background effect + one filter + overlay, for the app and the benchmark.

    ``filters`` maps names to filters; ``active_filter`` picks one (``None``: none). ``overlay``
    draws landmarks and boxes on top. ``mirror`` shows the frame mirrored (a selfie view); faces
    are tracked on the unmirrored frame so toggling it keeps ids and smoothing. The background
    effect (:meth:`set_background`) is composited on the unmirrored camera frame, before the
    filter, so stickers sit on top of it; faces are tracked on the camera frame as it came (a
    face in a background picture is never tracked). ``segmenter``: the person segmenter for the
    effect (``None``: :class:`~facefilter.background.PersonSegmenter`, made when first needed).
    """

    def __init__(self, tracker: FaceTracker, filters: Mapping[str, Filter] | None = None, *,
                 segmenter: Segmenter | None = None) -> None:
        self.tracker = tracker
        self.filters: dict[str, Filter] = dict(filters or {})
        self.active_filter: str | None = None
        self.overlay = False
        self.mirror = False
        self.segmenter = segmenter
        self.background: BackgroundEffect | None = None
        # Expressions: shown under each face when on; run too when the active filter has an
        # expression trigger. The model (facefilter.expression.ExpressionModel) loads when first needed.
        self.expressions = False
        self.expression_model: Any = None
        self.expression_smoother = ExpressionSmoother()

    @property
    def background_spec(self) -> BackgroundSpec:
        """The background effect in use (``none`` when off)."""
        return self.background.spec if self.background is not None else BackgroundSpec()

    def set_background(self, spec: BackgroundSpec | str | None, config: EffectConfig | None = None) -> None:
        """Switch the background effect (``None``, ``"none"``: off); the new effect starts its own
        smoothing. Raises :class:`~facefilter.background.BackgroundError` for a bad choice or a
        picture that cannot be used, leaving the effect off."""
        spec = spec if isinstance(spec, BackgroundSpec) else BackgroundSpec.parse(spec)
        self.background = None
        if not spec.active:
            return
        if self.segmenter is None:
            from facefilter.background import PersonSegmenter

            self.segmenter = PersonSegmenter()
        self.background = BackgroundEffect(spec, self.segmenter, config)

    def close(self) -> None:
        """Free the native resources: the tracker's and the segmenter's (the pipeline's own or the
        one passed in: a pipeline is their last user); idempotent."""
        self.background = None
        for part in (self.tracker, self.segmenter):
            close = getattr(part, "close", None)
            if callable(close):
                close()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reset(self) -> None:
        """A new source: forget the faces and the background mask's history."""
        self.tracker.reset()
        self.expression_smoother.reset()
        if self.background is not None:
            self.background.reset()

    def process(self, frame_bgr: np.ndarray, timestamp: float | None = None) -> FrameResult:
        """Track, mirror if asked, render the active filter and the overlay; the input is not modified."""
        t0 = time.perf_counter()
        faces = self.tracker.process(frame_bgr, timestamp)
        timings = dict(self.tracker.last_timings)
        flt = self.filters.get(self.active_filter) if self.active_filter else None
        if faces and (self.expressions or getattr(flt, "needs_expression", False)):
            te = time.perf_counter()
            self._annotate_expressions(frame_bgr, faces, time.monotonic() if timestamp is None else float(timestamp))
            timings["expression"] = (time.perf_counter() - te) * 1000
        tb = time.perf_counter()
        frame = self.background.apply(frame_bgr, faces) if self.background is not None else frame_bgr
        tr = time.perf_counter()
        timings["background"] = (tr - tb) * 1000
        if self.mirror:
            frame = cv2.flip(frame, 1)
            faces = mirror_faces(faces, frame_bgr.shape[1])
        status = ""
        if flt is not None and faces:
            # the frame time drives animated layers, triggers and particles (state per face id)
            frame = flt.render(frame, faces, time.monotonic() if timestamp is None else float(timestamp))
            status = str(getattr(flt, "status", "") or "")
        if self.overlay:
            frame = draw_overlay(frame.copy() if frame is frame_bgr else frame, faces)
        if self.expressions and faces:
            frame = draw_expressions(frame.copy() if frame is frame_bgr else frame, faces)
        if frame is frame_bgr:
            frame = frame_bgr.copy()
        timings["render"] = (time.perf_counter() - tr) * 1000
        timings["total"] = (time.perf_counter() - t0) * 1000
        return FrameResult(frame, faces, timings, status)

    def _annotate_expressions(self, frame_bgr: np.ndarray, faces: Sequence[Face], t: float) -> None:
        """Put each face's smoothed expression in its ``extra`` (:func:`~facefilter.expression.config.to_extra`
        and the label); loads the shipped model on first use (a failure turns expressions off)."""
        if self.expression_model is None:
            from facefilter.expression import ExpressionModel, ExpressionModelError

            try:
                self.expression_model = ExpressionModel.load()
            except (ExpressionModelError, OSError) as exc:
                log.warning("expressions off: %s", exc)
                self.expressions = False
                self.expression_model = False
        if not self.expression_model:
            return
        probs = self.expression_model.predict(frame_bgr, faces)
        for face, s in zip(faces, self.expression_smoother.update(t, [f.id for f in faces], probs), strict=True):
            face.extra.update(to_extra(s.probs))
            face.extra[EXTRA_LABEL] = float(s.label)
