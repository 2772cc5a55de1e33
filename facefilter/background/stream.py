"""A background effect kept per video stream: mask over time, then the effect composited behind the person.

:class:`MaskSmoother` steadies the segmenter's per-frame masks: where the picture does not
change (a still person) it averages masks over a few frames, so the edge does not shimmer with
the model's frame-to-frame noise; where the picture changes (a move) it takes the new mask at
once, so a fast move leaves no ghost. :class:`BackgroundEffect` runs the segmenter (every 2nd
frame while the picture is still, the mask carried forward and re-fitted to the new frame's
edges; every frame while it moves), smooths, and composites the chosen effect. Frames are HxWx3
uint8 BGR, masks float32 HxW in [0, 1], 1 = person.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from facefilter.background.effects import (
    BackgroundKind,
    BackgroundSpec,
    blur_background,
    cover_fit,
    decontaminate,
    desaturate,
    load_background_image,
    solid,
)
from facefilter.background.faces import face_mask
from facefilter.background.segmenter import Segmenter, StagedSegmenter, check_frame, check_mask, upsample


@dataclass(frozen=True)
class MaskSmoothingConfig:
    """Temporal smoothing of the mask, per pixel: ``m = m_prev + a * (m_new - m_prev)``.

    ``still_alpha``: ``a`` where the picture does not change (lower = steadier edge, but a
    model error on a still picture also fades out more slowly: 0.3 leaves 3% of it after 10
    frames). ``noise_floor``: frame change (grey levels, after a blur of ``motion_blur`` px of a
    640-px-wide frame) that still counts as camera noise; ``motion_scale``: change above the floor
    at which ``a`` reaches 1, so the mask follows a moving person at once. ``enabled``: False
    passes masks through unchanged.
    """

    still_alpha: float = 0.3
    noise_floor: float = 2.0
    motion_scale: float = 10.0
    motion_blur: float = 2.0
    enabled: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.still_alpha <= 1 or self.motion_scale <= 0 or self.noise_floor < 0 or self.motion_blur < 0:
            raise ValueError("need 0 < still_alpha <= 1, motion_scale > 0, noise_floor >= 0, motion_blur >= 0, "
                             f"got {self}")


MOTION_WIDTH = 160


def motion_grey(frame_bgr: np.ndarray, blur: float = 2.0) -> np.ndarray:
    """The frame in grey (float32) at about :data:`MOTION_WIDTH` px wide, blurred by ``blur`` px of a
    640-px-wide frame: what frame changes are measured on (camera noise mostly averaged away)."""
    h, w = frame_bgr.shape[:2]
    f = max(1, round(w / MOTION_WIDTH))
    sw, sh = max(1, w // f), max(1, h // f)
    small = cv2.resize(frame_bgr, (sw, sh), interpolation=cv2.INTER_AREA) if f > 1 else frame_bgr
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)
    if blur > 0:
        grey = cv2.GaussianBlur(grey, (0, 0), max(0.5, blur * sw / 640))
    return grey


class MaskSmoother:
    """Motion-adaptive exponential smoothing of masks over time (see :class:`MaskSmoothingConfig`).

    Call it with each frame (HxWx3 uint8 BGR, any size: the effect passes the working-size frame)
    and that frame's mask (float32 HxW). The picture's change is measured by :func:`motion_grey`.
    """

    def __init__(self, config: MaskSmoothingConfig | None = None) -> None:
        self.config = config or MaskSmoothingConfig()
        self.reset()

    def reset(self) -> None:
        self._mask: np.ndarray | None = None
        self._grey: np.ndarray | None = None

    def __call__(self, frame_bgr: np.ndarray, mask: np.ndarray, grey: np.ndarray | None = None) -> np.ndarray:
        """The smoothed mask for this frame (float32 HxW in [0, 1]); ``mask`` is the segmenter's.
        ``grey``: :func:`motion_grey` of the frame with this config's ``motion_blur``, if already made."""
        check_frame(frame_bgr, "MaskSmoother")
        m = check_mask(mask, frame_bgr.shape, "MaskSmoother mask")
        cfg = self.config
        if not cfg.enabled:
            return m
        h, w = frame_bgr.shape[:2]
        grey = motion_grey(frame_bgr, cfg.motion_blur) if grey is None else grey
        prev, prev_grey = self._mask, self._grey
        self._grey = grey
        if prev is None or prev_grey is None or prev.shape != m.shape or prev_grey.shape != grey.shape:
            self._mask = m.copy()
            return m
        motion = cv2.absdiff(grey, prev_grey)
        motion = cv2.dilate(motion, np.ones((3, 3), np.uint8))  # the revealed side of a moving edge too
        alpha = cv2.resize(motion, (w, h), interpolation=cv2.INTER_LINEAR) if motion.shape != (h, w) else motion
        alpha -= cfg.noise_floor
        alpha *= (1 - cfg.still_alpha) / cfg.motion_scale
        alpha += cfg.still_alpha
        np.clip(alpha, cfg.still_alpha, 1.0, out=alpha)
        diff = cv2.subtract(m, prev)
        out = cv2.multiply(alpha, diff)
        out += prev  # (1 - a) prev + a m, a in [0, 1]: stays in [0, 1] up to rounding
        np.clip(out, 0.0, 1.0, out=out)
        self._mask = out
        return out


DECONTAMINATE_BLUR = 8.0  # px of a 640-px-wide frame: how far the room's colour is estimated from


@dataclass(frozen=True)
class EffectConfig:
    """Per-stream options.

    ``model_interval``: the segmenter runs on at most every n-th frame while the picture is still
    (1: every frame); on the frames between, the last model mask is re-fitted to the new frame's
    edges (when the segmenter can: :meth:`PersonSegmenter.refine`) or reused. ``rerun_share``:
    the model runs at once, interval or not, when more than this share of the picture changed by
    over ``rerun_level`` grey levels (:func:`motion_grey`) since the model last ran: a carried
    mask would lag behind a move (a ghost), a still one costs nothing. ``decontaminate``: with a
    picture or a colour behind the person, take the old room's colour out of the edge pixels
    first (:func:`~facefilter.background.effects.decontaminate`: no coloured fringe in the hair;
    ~1 ms at 640x480). ``smoothing``: see
    :class:`MaskSmoothingConfig`. ``face_prior``: the faces handed to :meth:`BackgroundEffect.apply`
    count as person (:func:`~facefilter.background.faces.face_mask`), so a face the segmenter
    misses is never blurred or replaced (a face on a poster the tracker follows stays sharp too).
    The defaults are ``facefilter-bench background``'s choice.
    """

    model_interval: int = 2
    rerun_share: float = 0.002
    rerun_level: float = 12.0
    decontaminate: bool = True
    smoothing: MaskSmoothingConfig = MaskSmoothingConfig()
    face_prior: bool = True

    def __post_init__(self) -> None:
        if self.model_interval < 1 or not 0 <= self.rerun_share <= 1 or self.rerun_level < 0:
            raise ValueError(f"need model_interval >= 1, 0 <= rerun_share <= 1, rerun_level >= 0, got {self}")


@dataclass
class _Held:
    """The last model run: the frame's shape, the model's mask, the motion grey then, frames since."""

    shape: tuple[int, ...]
    mask: np.ndarray
    grey: np.ndarray | None
    age: int = 0


class BackgroundEffect:
    """The effect of one :class:`BackgroundSpec` on one video stream (keeps the mask over time).

    ``apply(frame)`` returns a new frame: the person (segmenter mask) over the effect. With no
    person in the frame (an all-zero mask) the whole frame is the effect: a background effect
    hides the room, and it keeps hiding it when the person steps out of view (switching the
    effect off there would show the room, then flash it away again when they come back).
    For :attr:`BackgroundKind.IMAGE` the picture is loaded here: a bad one raises
    :class:`~facefilter.background.BackgroundError` naming the file, before any frame.
    :attr:`last_mask` holds the mask used on the last frame; :attr:`last_timings` its ms;
    :attr:`model_runs` counts the frames the segmenter ran on.
    """

    def __init__(self, spec: BackgroundSpec, segmenter: Segmenter, config: EffectConfig | None = None) -> None:
        self.spec = spec
        self.segmenter = segmenter
        self.config = config or EffectConfig()
        self.smoother = MaskSmoother(self.config.smoothing)
        self._image = load_background_image(spec.image_path()) if spec.kind is BackgroundKind.IMAGE else None
        self._fitted: np.ndarray | None = None
        self._held: _Held | None = None
        self._work: np.ndarray | None = None  # the last frame at the segmenter's working size
        self.model_runs = 0
        self.last_mask: np.ndarray | None = None
        self.last_timings: dict[str, float] = {}

    def reset(self) -> None:
        """Forget the past frames (a new source): the next frame runs the model and is not smoothed."""
        self.smoother.reset()
        self._held = None

    def mask(self, frame_bgr: np.ndarray, faces: Sequence[Any] = ()) -> np.ndarray:
        """This frame's person mask (float32 HxW in [0, 1]), smoothed over time; advances the stream.
        ``faces``: the faces tracked in this frame (objects with ``landmarks``), see ``face_prior``."""
        return upsample(self._step(frame_bgr, faces), frame_bgr.shape)

    def _due(self, frame_bgr: np.ndarray, small: np.ndarray) -> tuple[bool, np.ndarray | None]:
        """(run the model on this frame?, its motion grey when the interval needs it)."""
        held, cfg = self._held, self.config
        blur = self.smoother.config.motion_blur  # the smoother's grey: made once, used by both
        if held is None or held.shape != frame_bgr.shape:
            return True, motion_grey(small, blur) if cfg.model_interval > 1 else None
        if cfg.model_interval == 1 or held.age + 1 >= cfg.model_interval:
            return True, motion_grey(small, blur) if cfg.model_interval > 1 else None
        grey = motion_grey(small, blur)
        if held.grey is None or held.grey.shape != grey.shape:
            return True, grey
        moved = float(np.count_nonzero(cv2.absdiff(grey, held.grey) > cfg.rerun_level)) / grey.size
        return moved > cfg.rerun_share, grey

    def _step(self, frame_bgr: np.ndarray, faces: Sequence[Any] = ()) -> np.ndarray:
        """The smoothed mask at the size it was made: the working size of a :class:`StagedSegmenter`
        (the model, refinement and smoothing all run there: 4x fewer pixels at 640x480), else the
        frame's. Values within 1/512 of 0 or 1 are snapped to it, so the person and the room are
        exact in the composite and only the edge is blended."""
        check_frame(frame_bgr, "BackgroundEffect")
        staged = self.segmenter if isinstance(self.segmenter, StagedSegmenter) else None
        small = staged.work_frame(frame_bgr) if staged else frame_bgr
        self._work = small if staged else None
        due, grey = self._due(frame_bgr, small)
        if due or self._held is None:
            self.model_runs += 1
            mask = staged.coarse(frame_bgr, small)[0] if staged else \
                check_mask(self.segmenter.mask(frame_bgr), frame_bgr.shape, "segmenter mask")
            self._held = _Held(frame_bgr.shape, mask, grey)
        else:
            self._held.age += 1
        raw = staged.refine(self._held.mask, small) if staged else self._held.mask
        out = self.smoother(small, raw, grey)
        out = out.copy()  # the snap below must not change the smoother's state or the held mask
        if faces and self.config.face_prior:
            prior = face_mask(faces, frame_bgr.shape, out.shape)  # after smoothing: the faces are smoothed
            if prior is not None:
                np.maximum(out, prior, out=out)
        snap = np.float32(1 / 512)
        out[out < snap] = 0.0
        out[out > 1 - snap] = 1.0
        return out

    def effect_image(self, frame_bgr: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """What shows behind the person in this frame (HxWx3 uint8 BGR); ``mask`` (any size of the
        frame's aspect) keeps the person out of the blur."""
        kind = self.spec.kind
        h, w = frame_bgr.shape[:2]
        if kind is BackgroundKind.BLUR:
            return blur_background(frame_bgr, mask, self.spec.strength)
        if kind is BackgroundKind.DESATURATE:
            return desaturate(frame_bgr)
        if kind is BackgroundKind.COLOR:
            return self._cached(w, h, lambda: solid((w, h), self.spec.color))
        if kind is BackgroundKind.IMAGE:
            assert self._image is not None
            image = self._image
            return self._cached(w, h, lambda: cover_fit(image, (w, h)))
        return frame_bgr

    def _cached(self, w: int, h: int, make: Callable[[], np.ndarray]) -> np.ndarray:
        if self._fitted is None or self._fitted.shape[:2] != (h, w):
            self._fitted = make()
        assert self._fitted is not None
        return self._fitted

    def render(self, frame_bgr: np.ndarray, mask: np.ndarray, mask_small: np.ndarray | None = None) -> np.ndarray:
        """The effect composited behind the person of ``mask`` (float32 HxW in [0, 1], the frame's
        size), without segmenting or smoothing: a still picture with a known mask. ``mask_small``:
        the same mask at a smaller size, if at hand (the blur runs at a reduced size)."""
        check_frame(frame_bgr, "BackgroundEffect")
        m = check_mask(mask, frame_bgr.shape, "BackgroundEffect mask")
        return self._render(frame_bgr, m, m if mask_small is None else mask_small)

    def _render(
        self, frame_bgr: np.ndarray, m: np.ndarray, small: np.ndarray, half: np.ndarray | None = None
    ) -> np.ndarray:
        """:meth:`render` of a checked mask; ``half``: the frame halved, if at hand (for the blur)."""
        if not self.spec.active:
            return frame_bgr.copy()
        person = frame_bgr
        if self.config.decontaminate and self.spec.kind in (BackgroundKind.IMAGE, BackgroundKind.COLOR):
            person = decontaminate(frame_bgr, m, blur_background(frame_bgr, small, DECONTAMINATE_BLUR, half))
        if self.spec.kind is BackgroundKind.BLUR:
            effect = blur_background(frame_bgr, small, self.spec.strength, half)
        else:
            effect = self.effect_image(frame_bgr, small)
        return cv2.blendLinear(person, effect, m, 1.0 - m)  # composite() without re-checking the inputs

    def apply(self, frame_bgr: np.ndarray, faces: Sequence[Any] = ()) -> np.ndarray:
        """The next frame of the stream composited (a new HxWx3 uint8 BGR array); ``frame_bgr`` is not
        modified. ``faces``: the faces tracked in this frame (objects with ``landmarks`` (68, 2) in
        its pixels), kept out of the effect (``EffectConfig.face_prior``)."""
        t0 = time.perf_counter()
        if not self.spec.active:
            self.last_timings = {"mask": 0.0, "effect": 0.0}
            return frame_bgr.copy()
        small = self._step(frame_bgr, faces)
        m = upsample(small, frame_bgr.shape)
        t1 = time.perf_counter()
        out = self._render(frame_bgr, m, small, self._work)
        self.last_mask = m
        self.last_timings = {"mask": (t1 - t0) * 1000, "effect": (time.perf_counter() - t1) * 1000}
        return out
