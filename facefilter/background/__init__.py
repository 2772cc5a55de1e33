"""Person segmentation and background effects (blur, image, colour, desaturate) for video calls.

``PersonSegmenter().mask(frame_bgr)`` -> float32 HxW in [0, 1] (1 = person), stateless;
:class:`BackgroundEffect` keeps one stream's mask over time and composites the effect chosen by
a :class:`BackgroundSpec` (``none``, ``blur[:STRENGTH]``, ``desaturate``, ``color:#RRGGBB``,
``image:PATH``). Imports only numpy, OpenCV and (when a segmenter is made) mediapipe.
"""

from facefilter.background.effects import (
    BackgroundError,
    BackgroundKind,
    BackgroundSpec,
    blur_background,
    builtin_backgrounds,
    composite,
    cover_fit,
    desaturate,
    load_background_image,
)
from facefilter.background.segmenter import (
    FakeSegmenter,
    PersonSegmenter,
    Segmenter,
    SegmenterConfig,
    SegmenterModel,
    guided_filter,
)
from facefilter.background.stream import BackgroundEffect, EffectConfig, MaskSmoother, MaskSmoothingConfig

__all__ = [
    "BackgroundEffect",
    "BackgroundError",
    "BackgroundKind",
    "BackgroundSpec",
    "EffectConfig",
    "FakeSegmenter",
    "MaskSmoother",
    "MaskSmoothingConfig",
    "PersonSegmenter",
    "Segmenter",
    "SegmenterConfig",
    "SegmenterModel",
    "blur_background",
    "builtin_backgrounds",
    "composite",
    "cover_fit",
    "desaturate",
    "guided_filter",
    "load_background_image",
]
