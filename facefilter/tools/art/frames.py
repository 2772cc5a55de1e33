"""Writing frame sequences as animated PNGs (Pillow), for the animated layers of built-in filters."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from PIL import Image


def save_apng(path: Path, frames: Sequence[np.ndarray], fps: float) -> None:
    """Write straight-alpha BGRA ``uint8`` frames (all the same size) as an animated PNG.

    Every frame replaces the whole picture (no blending with the previous one), repeated forever;
    ``fps`` sets each frame's duration. One frame gives a plain PNG.
    """
    if not frames:
        raise ValueError(f"{path}: no frames")
    shape = frames[0].shape
    for i, f in enumerate(frames):
        if f.shape != shape or f.ndim != 3 or f.shape[2] != 4 or f.dtype != np.uint8:
            raise ValueError(f"{path}: frame {i} is {f.shape} {f.dtype}; expected {shape} uint8 BGRA like frame 0")
    images = [Image.fromarray(cv2.cvtColor(f, cv2.COLOR_BGRA2RGBA), "RGBA") for f in frames]
    if len(images) == 1:
        images[0].save(path, format="PNG", optimize=True)
        return
    images[0].save(path, format="PNG", save_all=True, append_images=images[1:], duration=1000.0 / fps, loop=0,
                   disposal=0, blend=0, optimize=True)  # fmt: skip
