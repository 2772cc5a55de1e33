"""Debug overlay: the 68 landmarks, the box and the head pose axes of every face, drawn onto a BGR frame (pure cv2)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from facefilter.expression.config import EXPRESSIONS, EXTRA_LABEL, from_extra
from facefilter.pose import MEAN_FACE_3D
from facefilter.types import Face, HeadPose

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


# Head pose axes: BGR colours of head-space x (red), y (green) and the facing direction (blue).
AXIS_COLORS: tuple[tuple[int, int, int], ...] = ((0, 0, 255), (0, 200, 0), (255, 80, 0))
AXIS_MM = 50.0


def _axis_ends(length_mm: float) -> np.ndarray:
    """``(4, 3)`` head-space mm: the mean face's nose tip, then the ends of its x, y and -z axes."""
    tip = MEAN_FACE_3D[30].astype(np.float64)
    return tip + length_mm * np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.0]])


def pose_axes(pose: HeadPose, length_mm: float = AXIS_MM) -> np.ndarray:
    """``(4, 2)`` float32 pixels: the nose tip, then the ends of the x, y and facing axes drawn from it.

    The axes are head space's x (the subject's left: the image right on a frontal face) and y
    (down), and the way the face looks, ``-z`` (toward the camera on a frontal face), each
    ``length_mm`` long, from the mean face's nose tip (point 30), projected with ``pose``.
    """
    return pose.project(_axis_ends(length_mm))


def draw_pose_axes(image: np.ndarray, pose: HeadPose, thickness: int = 2, length_mm: float = AXIS_MM) -> np.ndarray:
    """Draw :func:`pose_axes` onto the HxWx3 uint8 BGR ``image`` **in place**: x red, y green, facing blue.

    The axis reaching furthest from the camera is drawn first, so nearer ones cover it.
    Returns ``image``.
    """
    ends = _axis_ends(length_mm)
    uv = pose.project(ends)
    if not np.isfinite(uv).all():
        return image
    depth = pose.to_camera(ends[1:])[:, 2]
    shift = 4  # sub-pixel precision for cv2.line
    a = (round(float(uv[0, 0]) * (1 << shift)), round(float(uv[0, 1]) * (1 << shift)))
    for k in np.argsort(-depth):
        b = (round(float(uv[k + 1, 0]) * (1 << shift)), round(float(uv[k + 1, 1]) * (1 << shift)))
        cv2.line(image, a, b, (0, 0, 0), thickness + 2, cv2.LINE_AA, shift)  # a dark rim: visible on any colour
        cv2.line(image, a, b, AXIS_COLORS[k], thickness, cv2.LINE_AA, shift)
    return image


def draw_overlay(
    image: np.ndarray, faces: Sequence[Face], *, radius: int | None = None, show_box: bool = True, show_id: bool = True,
    show_pose: bool = True,
) -> np.ndarray:
    """Draw each face's 68 points (filled circles), its box, ``#id`` and head pose axes onto ``image`` **in place**.

    ``image`` is HxWx3 uint8 BGR; points are frame pixels (origin at the centre of the top-left
    pixel). ``radius`` defaults to ~1.5% of the inter-ocular distance (at least 1 px). Faces with
    a ``pose`` get its axes from the nose tip (:func:`draw_pose_axes`) when ``show_pose``.
    Returns ``image`` for chaining.
    """
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        desc = f"{image.dtype} {image.shape}" if isinstance(image, np.ndarray) else type(image).__name__
        raise ValueError(f"draw_overlay expects an HxWx3 uint8 BGR image, got {desc}")
    for face in faces:
        color = face_color(face.id)
        r = radius if radius is not None else max(1, round(0.025 * face.inter_ocular))
        if show_pose and face.pose is not None:  # under the points, which stay visible
            draw_pose_axes(image, face.pose, max(2, round(0.04 * face.inter_ocular)))
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


# BGR colour of each expression's bar (EXPRESSIONS order).
EXPRESSION_COLORS: tuple[tuple[int, int, int], ...] = (
    (200, 200, 200), (0, 215, 255), (255, 200, 0), (200, 110, 30),
    (40, 40, 230), (60, 170, 60), (180, 80, 170), (90, 140, 200),
)


def draw_expressions(image: np.ndarray, faces: Sequence[Face], top: int = 3) -> np.ndarray:
    """Draw each face's expression under its box **in place**: the smoothed label, then a bar per
    class for the ``top`` most likely classes (length = probability). Faces without expression
    probabilities in ``extra`` (see :func:`facefilter.expression.config.to_extra`) are skipped.
    ``image``: HxWx3 uint8 BGR. Returns ``image``."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError("draw_expressions expects an HxWx3 uint8 BGR image")
    font = cv2.FONT_HERSHEY_SIMPLEX
    for face in faces:
        probs = from_extra(face.extra)
        if probs is None:
            continue
        p = np.asarray(probs)
        label = int(face.extra.get(EXTRA_LABEL, int(np.argmax(p))))
        b = face.box
        width = int(np.clip(b.width, 110, 240))
        x0 = round(b.center[0] - width / 2)
        y = round(b.bottom + 10)
        scale = width / 240 * 0.9 + 0.25
        text = f"{EXPRESSIONS[label]} {p[label] * 100:.0f}%"
        (_, th), base = cv2.getTextSize(text, font, scale, 2)
        y += th
        cv2.putText(image, text, (x0, y), font, scale, (0, 0, 0), 4, cv2.LINE_AA)
        cv2.putText(image, text, (x0, y), font, scale, EXPRESSION_COLORS[label], 2, cv2.LINE_AA)
        y += base + 4
        bar_h = max(6, round(th * 0.7))
        small = scale * 0.6
        for k in np.argsort(-p)[:top]:
            name_w = round(width * 0.42)
            cv2.rectangle(image, (x0, y), (x0 + width, y + bar_h), (40, 40, 40), -1)
            cv2.rectangle(image, (x0 + name_w, y), (x0 + name_w + round((width - name_w) * float(p[k])), y + bar_h),
                          EXPRESSION_COLORS[k], -1)
            cv2.putText(image, EXPRESSIONS[int(k)], (x0 + 2, y + bar_h - 1), font, small, (255, 255, 255), 1,
                        cv2.LINE_AA)
            y += bar_h + 3
    return image
