"""Training augmentation: one random similarity warp (rotation, scale, shift, mirror) straight
from the cached face region to the network crop, then photometric jitter on the grey crop.

Geometry and points go through the same matrix, so landmarks stay on their image features.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from facefilter.landmarks.crop import apply_affine, crop_matrix, warp_crop
from facefilter.types import FLIP_PERMUTATION

_FLIP = np.asarray(FLIP_PERMUTATION)


def flip_points(points: np.ndarray, width: float) -> np.ndarray:
    """Mirror ``(68, 2)`` points of an image ``width`` pixels wide and relabel left/right."""
    out = np.asarray(points, dtype=np.float64).copy()
    out[:, 0] = (width - 1) - out[:, 0]
    return out[_FLIP]


@dataclass(frozen=True)
class Augment:
    """Random warp + photometric jitter; call it like ``aug(image, box, points, size, crop_scale, rng)``.

    ``rotation`` is the maximum roll in degrees, ``scale`` the max relative zoom, ``shift`` the
    max centre shift as a fraction of the crop, ``flip`` the mirror probability; the rest are
    photometric: brightness/contrast/gamma ranges and probabilities of blur, noise and a grey
    occluding rectangle.
    """

    rotation: float = 30.0
    scale: float = 0.1
    shift: float = 0.05
    flip: float = 0.5
    brightness: float = 0.25
    contrast: float = 0.3
    gamma: float = 0.3
    blur: float = 0.2
    noise: float = 0.2
    occlusion: float = 0.0

    def __call__(
        self,
        image: np.ndarray,
        box: np.ndarray,
        points: np.ndarray,
        size: int,
        crop_scale: float,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray]:
        flip = bool(rng.random() < self.flip)
        m = crop_matrix(
            box,
            size,
            crop_scale,
            rotation_deg=float(rng.uniform(-self.rotation, self.rotation)),
            scale=float(np.exp(rng.uniform(-self.scale, self.scale))),
            shift=(float(rng.uniform(-self.shift, self.shift)), float(rng.uniform(-self.shift, self.shift))),
            flip=flip,
        )
        crop = warp_crop(image, m, size)
        pts = apply_affine(m, points)
        if flip:
            pts = pts[_FLIP]  # the mirror is in m; only the labels still need swapping
        return self.photometric(crop, rng), pts

    def photometric(self, crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Brightness, contrast, gamma, blur, noise and occlusion on a uint8 grey crop."""
        x = crop.astype(np.float32) / 255.0
        x = np.clip(x, 0, 1) ** float(np.exp(rng.uniform(-self.gamma, self.gamma)))
        c = 1.0 + rng.uniform(-self.contrast, self.contrast)
        x = (x - x.mean()) * c + x.mean() + rng.uniform(-self.brightness, self.brightness)
        if rng.random() < self.noise:
            x = x + rng.normal(0.0, rng.uniform(0.01, 0.05), x.shape).astype(np.float32)
        out = (np.clip(x, 0, 1) * 255.0 + 0.5).astype(np.uint8)
        if rng.random() < self.blur:
            k = int(rng.choice([3, 5]))
            out = cv2.GaussianBlur(out, (k, k), 0)
        if rng.random() < self.occlusion:
            s = out.shape[0]
            w, h = (int(v) for v in rng.integers(s // 8, s // 3, size=2))
            x0, y0 = (int(v) for v in rng.integers(0, s - min(w, h), size=2))
            out[y0 : y0 + h, x0 : x0 + w] = int(rng.integers(0, 256))
        return out


