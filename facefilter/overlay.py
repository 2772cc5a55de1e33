"""Debug overlay: the 68 landmarks and the box of every face, drawn onto a BGR frame (pure cv2)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from facefilter.types import Face

# BGR colours cycled by face id, so each tracked face keeps its colour.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (0, 255, 0),
    (255, 160, 0),
    (0, 200, 255),
    (255, 0, 200),
    (0, 80, 255),
    (255, 255, 0),
)


def face_color(face_id: int) -> tuple[int, int, int]:
    """The overlay colour (BGR) of face ``face_id`` (ids start at 1: face 1 is green)."""
    return PALETTE[(face_id - 1) % len(PALETTE)]


def draw_overlay(
    image: np.ndarray, faces: Sequence[Face], *, radius: int | None = None, show_box: bool = True, show_id: bool = True
) -> np.ndarray:
    """Draw each face's 68 points (filled circles), its box and ``#id`` onto ``image`` **in place**.

    ``image`` is HxWx3 uint8 BGR; points are frame pixels (origin at the centre of the top-left
    pixel). ``radius`` defaults to ~1.5% of the inter-ocular distance (at least 1 px).
    Returns ``image`` for chaining.
    """
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        desc = f"{image.dtype} {image.shape}" if isinstance(image, np.ndarray) else type(image).__name__
        raise ValueError(f"draw_overlay expects an HxWx3 uint8 BGR image, got {desc}")
    for face in faces:
        color = face_color(face.id)
        r = radius if radius is not None else max(1, round(0.025 * face.inter_ocular))
        for x, y in np.round(face.landmarks).astype(np.int64):
            cv2.circle(image, (int(x), int(y)), r, color, -1, cv2.LINE_AA)
        if show_box:
            b = face.box
            p0 = (round(b.left), round(b.top))
            cv2.rectangle(image, p0, (round(b.right), round(b.bottom)), color, 1, cv2.LINE_AA)
            if show_id:
                org = (p0[0], p0[1] - 4)
                cv2.putText(image, f"#{face.id}", org, cv2.FONT_HERSHEY_SIMPLEX, 0.5, color, 1, cv2.LINE_AA)
    return image
