"""facefilter: real-time webcam AR filters with our own 68-point face-landmark model.

Data flows one way: capture -> detect -> landmarks -> pose -> tracker -> background -> filters
-> pipeline -> gui, with ``types`` and ``data`` below and ``train``, ``tools``, ``bench`` on top
(``tests/test_layering.py`` checks it).
``from facefilter import FaceTracker`` gives the real-time tracker (imported on first use,
so ``import facefilter`` stays light).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from facefilter.types import Box, Face

if TYPE_CHECKING:
    from facefilter.tracker import FaceTracker

__all__ = ["Box", "Face", "FaceTracker"]
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    if name == "FaceTracker":
        from facefilter.tracker import FaceTracker

        return FaceTracker
    raise AttributeError(f"module 'facefilter' has no attribute {name!r}")
