"""A filter's memory of each face over time: when it appeared, its neutral baseline, its triggers,
and whatever its layers keep (particles, playheads), by face id.

:class:`LiveFaces` lives inside one :class:`facefilter.filters.Filter`. Each render with a frame
time ``t`` (seconds) looks up every face by its ``id`` (faces without one: their position in the
list) and advances its :class:`FaceLive`. A face missing from a render, or unseen for more than
:data:`MAX_GAP` seconds, is forgotten: when it comes back it starts fresh (new baseline, no
particles). Time going backwards (a video seeking, a replay) forgets every face. Without a time
(a still image) nothing is kept: each face gets a throwaway :class:`FaceLive` whose triggers are
judged against the population baseline.

Everything here is a deterministic function of the sequence of (faces, times) it was given.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from facefilter.filters import triggers as tr
from facefilter.pose import estimate_pose
from facefilter.types import HeadPose

MAX_GAP = 1.0  # s: a face unseen for longer starts fresh (a stalled camera, a switched filter)


@dataclass
class FaceInput:
    """What :class:`LiveFaces` needs of one face in one frame.

    ``key``: its id; ``landmarks``: ``(68, 2)`` float64 frame pixels; ``scale``: face size in
    pixels per template unit; ``pose``: its head pose when the tracker estimated one;
    ``expression``: its smoothed expression probabilities ``(8,)`` when the pipeline ran them.
    """

    key: Hashable
    landmarks: np.ndarray
    scale: float
    pose: HeadPose | None = None
    expression: np.ndarray | None = None


class FaceLive:
    """One face's state inside one filter, as of the current frame.

    ``t``: the frame time in seconds (None for a still image); ``first_t``: when the face was
    first seen; ``dt``: seconds since this face's previous frame (0 on its first);
    ``measures``: :func:`triggers.face_measures` (None when no trigger needs them); ``slots``:
    per-layer state, keyed by the layer's index in the manifest.
    """

    def __init__(self, key: Hashable, t: float | None, specs: frozenset[tr.TriggerSpec]) -> None:
        self.key = key
        self.t = t
        self.first_t = t
        self.dt = 0.0
        self.measures: np.ndarray | None = None
        self.baseline = tr.Baseline(t) if t is not None else None
        self._triggers = tr.FaceTriggers(specs, t) if t is not None else None
        self._still: dict[tr.TriggerSpec, tr.TriggerState] = {}
        self.pose: HeadPose | None = None
        self._fitted_pose: HeadPose | None = None
        self.slots: dict[int, Any] = {}

    @property
    def still(self) -> bool:
        """True for a still image (no time, no memory)."""
        return self.t is None

    @property
    def age(self) -> float:
        """Seconds since the face appeared (0 for a still image)."""
        return 0.0 if self.t is None or self.first_t is None else self.t - self.first_t

    def trigger(self, spec: tr.TriggerSpec) -> tr.TriggerState:
        """The state of ``spec`` on this face (it must be one of the filter's specs)."""
        if self._triggers is None:
            return self._still[spec]
        return self._triggers.states[spec]

    def _advance(self, t: float | None, face: FaceInput, specs: frozenset[tr.TriggerSpec], frame_size: tuple[int, int],
                 needs_measures: bool, needs_pose: bool) -> None:  # fmt: skip
        if needs_measures:
            self.measures = tr.face_measures(face.landmarks, face.scale)
        if needs_pose:
            self.pose = face.pose
            if self.pose is None:
                try:
                    self._fitted_pose = estimate_pose(face.landmarks, frame_size, previous=self._fitted_pose)
                    self.pose = self._fitted_pose
                except ValueError:
                    self.pose = None
        if t is None:
            m = self.measures if self.measures is not None else tr.POPULATION
            self._still = tr.still_states(specs, m, face.expression)
            return
        assert self.baseline is not None and self._triggers is not None
        if self.t is not None and t is not None:
            self.dt = max(0.0, t - self.t)
        self.t = t
        base = self.baseline.update(t, self.measures) if self.measures is not None else tr.POPULATION
        angles = (self.pose.yaw, self.pose.pitch) if self.pose is not None else None
        self._triggers.step(t, self.measures, base, angles, face.expression)


class LiveFaces:
    """The per-face states of one filter (see the module docstring).

    ``specs``: every trigger the filter's layers use.
    """

    def __init__(self, specs: frozenset[tr.TriggerSpec]) -> None:
        self.specs = specs
        self.needs_measures = any(s.event not in tr.POSE_EVENTS and s.event is not tr.Event.FACE_APPEARS for s in specs)
        self.needs_pose = any(s.event in tr.POSE_EVENTS for s in specs)
        self.faces: dict[Hashable, FaceLive] = {}
        self.last_t: float | None = None

    def reset(self) -> None:
        """Forget every face."""
        self.faces.clear()
        self.last_t = None

    def attach(self, faces: Sequence[Any], t: float | None, frame_shape: tuple[int, ...]) -> None:
        """:meth:`update` for the engine's per-face geometry objects (``key``, ``landmarks``,
        ``scale``, ``pose``): sets each one's ``live``. ``frame_shape`` is the frame's ``shape``."""
        inputs = [FaceInput(g.key, g.landmarks, g.scale, g.pose, getattr(g, "expression", None)) for g in faces]
        for g, live in zip(faces, self.update(inputs, t, (frame_shape[1], frame_shape[0])), strict=True):
            g.live = live

    def update(self, faces: Sequence[FaceInput], t: float | None, frame_size: tuple[int, int]) -> list[FaceLive]:
        """Advance to the frame at time ``t`` (None: a still image) holding ``faces``; one
        :class:`FaceLive` per face, in order. ``frame_size`` is ``(width, height)``."""
        if t is not None and not np.isfinite(t):
            raise ValueError(f"frame time t must be finite seconds or None, got {t}")
        out = []
        if t is None:
            for f in faces:
                live = FaceLive(f.key, None, self.specs)
                live._advance(None, f, self.specs, frame_size, self.needs_measures, self.needs_pose)
                out.append(live)
            return out
        t = float(t)
        if self.last_t is not None and (t < self.last_t or t - self.last_t > MAX_GAP):
            self.faces.clear()
        self.last_t = t
        seen: dict[Hashable, FaceLive] = {}
        for f in faces:
            live = self.faces.get(f.key)
            if live is None or live.t is None or t - live.t > MAX_GAP or f.key in seen:
                live = FaceLive(f.key, t, self.specs)
            live._advance(t, f, self.specs, frame_size, self.needs_measures, self.needs_pose)
            seen[f.key] = live
            out.append(live)
        self.faces = seen
        return out
