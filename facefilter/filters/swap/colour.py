"""Colour and light: the source's skin under the target's light.

Two steps, both in OpenCV's 8-bit CIE Lab (L scaled to 0..255, a and b offset by 128):

1. **Tone** (:func:`transfer`): the source's mean and standard deviation inside the face move
   towards the target's, ``colour`` of the way for a and b (hue, saturation), ``lightness`` of
   the way for L. With ``colour < 1`` the source keeps part of its own skin tone.
2. **Shading** (:func:`shading_ratio`): L is multiplied by the ratio of the target's to the
   source's lightness, both blurred over about a fifth of the face inside the mask, so a lamp on
   the target's left stays on its left; fine detail (pores, wrinkles, the eyes) stays the source's.

On video the target's statistics of step 1 are smoothed per face (:meth:`ToneStats.follow`), so
the colour does not flicker with the landmarks' jitter or jump when a hand passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

GAIN_MIN = np.array([0.75, 0.25, 0.25], np.float32)  # lowest std ratio for L, a, b
GAIN_MAX = 4 / 3  # highest std ratio: lips and freckles are not blown up


@dataclass
class ToneStats:
    """Lab means and standard deviations ``(3,)`` of the source (``ms``, ``ss``) and the target
    (``mt``, ``st``) inside the swapped face, float64."""

    ms: np.ndarray
    ss: np.ndarray
    mt: np.ndarray
    st: np.ndarray

    def follow(self, newer: ToneStats, weight: float) -> ToneStats:
        """``newer``'s source statistics, and the target's ``weight`` (0..1) of the way from these to ``newer``'s.

        Only the target's side is smoothed: the source's are those of the pixels being recoloured
        (with them the output's mean is exactly the target's smoothed one).
        """
        w = float(np.clip(weight, 0.0, 1.0))
        return ToneStats(newer.ms, newer.ss, self.mt + w * (newer.mt - self.mt), self.st + w * (newer.st - self.st))


def lab_stats(image_bgr: np.ndarray, mask: np.ndarray, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation ``(3,)`` float64 of ``image_bgr`` in 8-bit CIE Lab where ``mask > threshold``.

    Raises ``ValueError`` when the mask selects fewer than 10 pixels.
    """
    sel = np.asarray(mask) > threshold
    if sel.sum() < 10:
        raise ValueError("lab_stats: the mask selects fewer than 10 pixels")
    lab = cv2.cvtColor(np.ascontiguousarray(image_bgr), cv2.COLOR_BGR2Lab)[sel].astype(np.float64)
    return lab.mean(0), lab.std(0)


def tone_stats(source_lab: np.ndarray, target_lab: np.ndarray, inside: np.ndarray) -> ToneStats:
    """:class:`ToneStats` of two 8-bit Lab images (same size) where ``inside`` (``uint8`` 0/1) is set."""
    ms, ss = (v.ravel() for v in cv2.meanStdDev(source_lab, mask=inside))
    mt, st = (v.ravel() for v in cv2.meanStdDev(target_lab, mask=inside))
    return ToneStats(ms, ss, mt, st)


def transfer(lab: np.ndarray, stats: ToneStats, colour: float, lightness: float) -> np.ndarray:
    """8-bit Lab ``lab`` with its tone moved per :class:`ToneStats`: ``lightness`` (0..1) of the way
    for L, ``colour`` for a and b; std ratios kept in [:data:`GAIN_MIN`, :data:`GAIN_MAX`]."""
    amount = np.clip(np.array([lightness, colour, colour], np.float64), 0.0, 1.0)
    gain = 1.0 + amount * (np.clip((stats.st + 1.0) / (stats.ss + 1.0), GAIN_MIN, GAIN_MAX) - 1.0)
    mean = stats.ms + amount * (stats.mt - stats.ms)
    m = np.hstack([np.diag(gain), (mean - gain * stats.ms)[:, None]]).astype(np.float32)
    return cv2.transform(lab, m)  # saturating 8-bit


def shading_ratio(
    source_l: np.ndarray, target_l: np.ndarray, mask: np.ndarray, amount: float, sigma: float
) -> np.ndarray:
    """Per-pixel factor (float32, the mask's size) moving the source's blurred lightness to the target's.

    ``source_l`` and ``target_l`` are 8-bit Lab L channels. The blurs are normalised by the
    blurred mask (only face pixels count) and taken at a quarter of the resolution (the ratio is
    smooth by construction); the factor's mean inside the mask is 1 (the tone step already set
    the mean); ``amount`` (0..1) of the way from 1.
    """
    h, w = mask.shape
    size = (max(1, w // 4), max(1, h // 4))
    m = cv2.resize(mask, size, interpolation=cv2.INTER_AREA)
    ls = cv2.resize(source_l, size, interpolation=cv2.INTER_AREA)
    lt = cv2.resize(target_l, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    s = max(sigma / 4, 0.8)
    wm = cv2.GaussianBlur(m, (0, 0), s) + 1e-3
    bs = cv2.GaussianBlur(ls * m, (0, 0), s) / wm
    bt = cv2.GaussianBlur(lt * m, (0, 0), s) / wm
    ratio = np.clip((bt + 8.0) / (bs + 8.0), 0.6, 1.6)
    ratio /= float((ratio * m).sum() / max(float(m.sum()), 1e-6))
    ratio = 1.0 + amount * (ratio - 1.0)
    return cv2.resize(ratio, (w, h), interpolation=cv2.INTER_LINEAR)


def match_colour(
    source_bgr: np.ndarray,
    target_bgr: np.ndarray,
    mask: np.ndarray,
    colour: float = 1.0,
    lightness: float = 1.0,
    shading_sigma: float | None = None,
    stats: ToneStats | None = None,
) -> np.ndarray:
    """``source_bgr`` recoloured like ``target_bgr`` (both HxWx3 ``uint8`` BGR, same size) inside ``mask``.

    The tone (:func:`transfer`) from the Lab statistics where ``mask > 0.5`` (or ``stats`` when
    given: a face's smoothed ones), then with ``shading_sigma`` (pixels) the target's shading
    (:func:`shading_ratio`), ``lightness`` of the way. Returns a new BGR ``uint8`` image.
    """
    if source_bgr.shape != target_bgr.shape or source_bgr.shape[:2] != mask.shape:
        raise ValueError(f"match_colour: sizes differ: {source_bgr.shape}, {target_bgr.shape}, mask {mask.shape}")
    inside = (mask > 0.5).astype(np.uint8)
    if not (colour > 0 or lightness > 0) or cv2.countNonZero(inside) < 20:
        return source_bgr.copy()
    lab = cv2.cvtColor(source_bgr, cv2.COLOR_BGR2Lab)
    target_lab = cv2.cvtColor(target_bgr, cv2.COLOR_BGR2Lab)
    if stats is None:
        stats = tone_stats(lab, target_lab, inside)
    lab = transfer(lab, stats, colour, lightness)
    if shading_sigma and lightness > 0:
        light = lab[..., 0].astype(np.float32)
        light *= shading_ratio(light, target_lab[..., 0], mask, float(np.clip(lightness, 0, 1)), shading_sigma)
        lab[..., 0] = np.clip(light + 0.5, 0, 255).astype(np.uint8)
    return cv2.cvtColor(lab, cv2.COLOR_Lab2BGR)
