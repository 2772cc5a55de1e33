"""Person segmentation: ``mask(frame_bgr) -> float32 HxW in [0, 1]`` (1 = person), a MediaPipe
implementation and a fake for tests.

:class:`PersonSegmenter` runs MediaPipe's selfie segmentation model (Apache-2.0, copied from
the mediapipe 0.10.21 wheel into ``facefilter/background/models/``, where ``SOURCE.md`` gives its
origin; nothing is downloaded) through the MediaPipe Tasks ``ImageSegmenter`` (mediapipe 0.10.21
and 1.x alike) in still-image mode: every call is independent. The model
sees the frame downscaled to :attr:`SegmenterConfig.work_width` (its input is 256x256 or 256x144
anyway); its mask is refined at that size by a guided filter (:func:`guided_filter`) steered by
the grey picture, so the edge follows hair and shoulders instead of the model's coarse grid, then
scaled to the frame's size. ``facefilter-bench background`` measures both models and the
refinement.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Protocol, runtime_checkable

import cv2
import numpy as np


class SegmenterModel(StrEnum):
    """The two selfie segmentation models shipped with facefilter: ``SQUARE`` (256x256 input) and
    ``LANDSCAPE`` (256x144). See :data:`DEFAULT_MODEL` for the choice."""

    SQUARE = "square"
    LANDSCAPE = "landscape"

    @property
    def aspect(self) -> float:
        """Width / height of the model's input."""
        return 256 / 144 if self is SegmenterModel.LANDSCAPE else 1.0

    @property
    def filename(self) -> str:
        return "selfie_segmentation_landscape.tflite" if self is SegmenterModel.LANDSCAPE \
            else "selfie_segmentation.tflite"


# Measured on 640x480 frames of the 2,012 300-W faces (facefilter-bench background, README
# "Background effects"): the landscape model, fed the frame padded to its 16:9, keeps more of the
# faces than the square one on webcam-like frames (99.67 against 99.38% of the landmark hull), marks
# 68x less of the room as person (0.08 against 5.43%) and is 1.6x faster (2.3 against 3.8 ms).
DEFAULT_MODEL = SegmenterModel.LANDSCAPE


def model_path(model: SegmenterModel | str = DEFAULT_MODEL) -> Path:
    """Path of the shipped ``.tflite`` file of ``model`` (``facefilter/background/models/``)."""
    path = Path(str(resources.files("facefilter.background").joinpath("models", SegmenterModel(model).filename)))
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the selfie segmentation model is missing from the facefilter package")
    return path


def check_frame(frame: np.ndarray, who: str = "segmenter") -> None:
    """Raise ``ValueError`` unless ``frame`` is an HxWx3 uint8 (BGR) array."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        desc = f"{frame.dtype} {frame.shape}" if isinstance(frame, np.ndarray) else type(frame).__name__
        raise ValueError(f"{who} expects an HxWx3 uint8 BGR frame, got {desc}")


def check_mask(mask: np.ndarray, shape: tuple[int, ...], who: str = "mask") -> np.ndarray:
    """``mask`` as float32 HxW, checked against the frame ``shape`` (H, W, ...) and the range [0, 1]."""
    if not isinstance(mask, np.ndarray) or mask.ndim != 2 or mask.shape != tuple(shape[:2]):
        desc = f"{mask.dtype} {mask.shape}" if isinstance(mask, np.ndarray) else type(mask).__name__
        raise ValueError(f"{who} must be a float HxW array of the frame's size {tuple(shape[:2])}, got {desc}")
    m = mask.astype(np.float32, copy=False)
    lo, hi = (float(m.min()), float(m.max())) if m.size else (0.0, 0.0)
    if not (lo >= 0.0 and hi <= 1.0):  # NaN fails too
        raise ValueError(f"{who} values must lie in [0, 1], got [{lo}, {hi}]")
    return m


@runtime_checkable
class Segmenter(Protocol):
    """Person mask of an HxWx3 uint8 BGR frame: float32 HxW in [0, 1], 1 = person; stateless."""

    def mask(self, frame_bgr: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class StagedSegmenter(Segmenter, Protocol):
    """A segmenter whose work can be split (what :class:`PersonSegmenter` offers): the model at a
    working size (:meth:`coarse`), the edge refinement there (:meth:`refine`) and the downscale
    alone (:meth:`work_frame`). An effect uses it to smooth at the working size and to carry a
    mask forward to frames the model skips."""

    def work_frame(self, frame_bgr: np.ndarray) -> np.ndarray: ...

    def coarse(self, frame_bgr: np.ndarray, small: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]: ...

    def refine(self, coarse: np.ndarray, small: np.ndarray) -> np.ndarray: ...


def _box(img: np.ndarray, r: int) -> np.ndarray:
    return cv2.boxFilter(img, -1, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)


def guided_filter(
    guide: np.ndarray, mask: np.ndarray, radius: int = 4, eps: float = 1e-3, subsample: int = 1
) -> np.ndarray:
    """Guided filter (He, Sun and Tang, 2013) of ``mask`` steered by the grey image ``guide``.

    ``guide``: hxw uint8 grey; ``mask``: hxw float32 in [0, 1]. In each ``(2 radius + 1)``-pixel
    window the output is a linear function of the guide fitted to the mask (``eps``: regulariser
    on the guide's variance, grey scaled to [0, 1]), so the mask's soft, blocky edge snaps to the
    edges in the picture (hair, shoulders) while flat regions keep their value. ``subsample`` > 1:
    the fast guided filter (He and Sun, 2015): the linear coefficients are fitted on the pictures
    reduced by that factor (window radius divided by it) and applied, scaled back up, to the
    full-size guide, so the edge still follows the guide's own pixels at ``subsample**2`` times
    less box filtering. Returns hxw float32 in [0, 1].
    """
    i = guide.astype(np.float32) * (1 / 255)
    h, w = i.shape[:2]
    s = max(1, int(subsample))
    if s > 1 and min(h, w) >= 8 * s:
        sw, sh = w // s, h // s
        i_fit = cv2.resize(i, (sw, sh), interpolation=cv2.INTER_AREA)
        p = cv2.resize(mask, (sw, sh), interpolation=cv2.INTER_AREA)
        r = max(1, round(radius / s))
    else:
        s, i_fit, p, r = 1, i, mask, radius
    mean_i, mean_p = _box(i_fit, r), _box(p, r)
    var_i = _box(i_fit * i_fit, r) - mean_i * mean_i
    cov_ip = _box(i_fit * p, r) - mean_i * mean_p
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    mean_a, mean_b = _box(a, r), _box(b, r)
    if s > 1:
        mean_a = cv2.resize(mean_a, (w, h), interpolation=cv2.INTER_LINEAR)
        mean_b = cv2.resize(mean_b, (w, h), interpolation=cv2.INTER_LINEAR)
    q = mean_a * i
    q += mean_b
    return _clip01(q)


def _clip01(a: np.ndarray) -> np.ndarray:
    """``a`` clipped to [0, 1] in place (np.clip's wrapper costs more than the work at these sizes)."""
    np.maximum(a, 0.0, out=a)
    return np.minimum(a, 1.0, out=a)


def upsample(mask: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``mask`` (float32 hxw) resized bilinearly to ``shape`` (H, W, ...); the same array when it fits."""
    h, w = shape[:2]
    if mask.shape[:2] == (h, w):
        return mask
    return cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)


@dataclass(frozen=True)
class SegmenterConfig:
    """Options of :class:`PersonSegmenter`.

    ``model``: which selfie model (:class:`SegmenterModel`). ``work_width``: frames are downscaled
    to this width (aspect kept) before the model, and the guided filter fits its model at that
    size. ``pad``: the model sees the frame padded (edge pixels repeated) to its own aspect ratio
    instead of stretched to it (a 4:3 frame squeezed into the landscape model's 16:9 made it mark
    parts of the room as person: 1.87% of the room against 0.08% padded, bench figures).
    ``refine``: guided-filter refinement (False: the model's mask resized bilinearly).
    ``radius`` (px at ``work_width``) and ``eps`` (grey variance, grey in [0, 1]): the guided
    filter's window and regulariser; a smaller ``eps`` makes the edge follow weaker image edges.
    ``subsample``: the guided filter fits its coefficients at 1/subsample of the working size (the
    fast guided filter; 2 measured: the same face coverage and edge flicker at half the time).
    """

    model: SegmenterModel = DEFAULT_MODEL
    work_width: int = 320
    pad: bool = True
    refine: bool = True
    radius: int = 4
    eps: float = 1e-3
    subsample: int = 2

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", SegmenterModel(self.model))
        if self.work_width < 32 or self.radius < 1 or self.eps <= 0 or self.subsample < 1:
            raise ValueError(f"need work_width >= 32, radius >= 1, eps > 0 and subsample >= 1, got {self}")


class PersonSegmenter:
    """MediaPipe selfie segmentation with guided-filter edge refinement (see the module docstring).

    ``PersonSegmenter().mask(frame_bgr)`` -> float32 HxW in [0, 1], 1 = person. Stateless: each
    call is a still image (smoothing over time is :class:`~facefilter.background.BackgroundEffect`'s
    job). Not thread-safe: one segmenter per thread. Imports mediapipe when made; :meth:`close`
    (or ``with``) frees the model.
    """

    def __init__(self, config: SegmenterConfig | None = None, **options: object) -> None:
        from mediapipe.tasks.python import BaseOptions, vision  # heavy import, only when a segmenter is made

        cfg = config or SegmenterConfig()
        if options:
            cfg = replace(cfg, **options)  # type: ignore[arg-type]
        self.config = cfg
        opts = vision.ImageSegmenterOptions(
            base_options=BaseOptions(model_asset_path=str(model_path(cfg.model))),
            running_mode=vision.RunningMode.IMAGE,
            output_confidence_masks=True,
            output_category_mask=False,
        )
        with warnings.catch_warnings():  # mediapipe 0.10.x calls a protobuf API that warns it is deprecated
            warnings.filterwarnings("ignore", message="MessageFactory class is deprecated", category=UserWarning)
            self._segmenter = vision.ImageSegmenter.create_from_options(opts)

    def work_frame(self, frame_bgr: np.ndarray) -> np.ndarray:
        """The frame downscaled to the working size (``work_width`` wide, same aspect; BGR uint8)."""
        check_frame(frame_bgr, "PersonSegmenter")
        h, w = frame_bgr.shape[:2]
        ww = min(self.config.work_width, w)
        wh = max(1, round(h * ww / w))
        return cv2.resize(frame_bgr, (ww, wh), interpolation=cv2.INTER_AREA) if (ww, wh) != (w, h) else frame_bgr

    def coarse(self, frame_bgr: np.ndarray, small: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The model's mask at the working size and the frame downscaled to it: ``(mask, small)``.

        ``mask``: float32 hxw in [0, 1]; ``small``: the hxwx3 uint8 BGR frame the model saw
        (:meth:`work_frame`; pass it when already made).
        """
        import mediapipe as mp

        small = self.work_frame(frame_bgr) if small is None else small
        wh, ww = small.shape[:2]
        top = left = 0
        padded = small
        if self.config.pad:
            aspect = self.config.model.aspect
            pw, ph = max(ww, round(wh * aspect)), max(wh, round(ww / aspect))
            top, left = (ph - wh) // 2, (pw - ww) // 2
            if (pw, ph) != (ww, wh):
                padded = cv2.copyMakeBorder(small, top, ph - wh - top, left, pw - ww - left, cv2.BORDER_REPLICATE)
        rgb = np.ascontiguousarray(cv2.cvtColor(padded, cv2.COLOR_BGR2RGB))
        result = self._segmenter.segment(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
        mask = np.asarray(result.confidence_masks[0].numpy_view(), dtype=np.float32)
        if mask.ndim == 3:
            mask = mask[..., 0]
        ph, pw = padded.shape[:2]
        if mask.shape != (ph, pw):
            mask = cv2.resize(mask, (pw, ph), interpolation=cv2.INTER_LINEAR)
        mask = np.array(mask[top : top + wh, left : left + ww], dtype=np.float32)  # a copy MediaPipe does not own
        return _clip01(mask), small

    def refine(self, coarse: np.ndarray, small: np.ndarray) -> np.ndarray:
        """``coarse`` (a working-size mask) with its edge fitted to ``small`` (the frame at that size)
        by a guided filter (unchanged when ``refine`` is off); float32 hxw in [0, 1]."""
        if not self.config.refine:
            return coarse
        cfg = self.config
        return guided_filter(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), coarse, cfg.radius, cfg.eps, cfg.subsample)

    def mask(self, frame_bgr: np.ndarray) -> np.ndarray:
        """Person mask of ``frame_bgr`` (HxWx3 uint8 BGR): float32 HxW in [0, 1], 1 = person."""
        coarse, small = self.coarse(frame_bgr)
        return upsample(self.refine(coarse, small), frame_bgr.shape)

    def close(self) -> None:
        if self._segmenter is not None:
            self._segmenter.close()
            self._segmenter = None

    def __enter__(self) -> PersonSegmenter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FakeSegmenter:
    """Returns scripted masks: one fixed HxW array for every frame, or ``fn(call_index, frame)``.

    ``None`` (the default) says "no person" (all zeros). ``calls`` counts the frames it was asked
    about (to check how often an effect runs the model). Masks are checked like a real one's.
    """

    def __init__(self, masks: np.ndarray | Callable[[int, np.ndarray], np.ndarray] | None = None) -> None:
        self._source = masks
        self.calls = 0

    def mask(self, frame_bgr: np.ndarray) -> np.ndarray:
        check_frame(frame_bgr, "FakeSegmenter")
        i = self.calls
        self.calls += 1
        if self._source is None:
            return np.zeros(frame_bgr.shape[:2], np.float32)
        m = self._source(i, frame_bgr) if callable(self._source) else self._source
        return check_mask(np.asarray(m), frame_bgr.shape, "FakeSegmenter mask").copy()
