"""The torch side of training data: grey face regions cached in memory and the crop Dataset.

Reading the annotations (300-W XML, ``.pts`` folders, the split) is :mod:`facefilter.data`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from facefilter.data import FaceRecord, tight_box
from facefilter.landmarks.crop import apply_affine, crop_matrix, to_target, warp_crop
from facefilter.train.profile import ProfileSynth

log = logging.getLogger(__name__)


@dataclass
class CachedFace:
    """A grayscale region around one face, with its box and points in that region's pixels."""

    image: np.ndarray
    box: np.ndarray
    points: np.ndarray


def cache_face(record: FaceRecord, max_side: int) -> CachedFace | None:
    """Read ``record``'s image as grey and keep a square region of twice the box around it.

    The region is downscaled to at most ``max_side`` pixels. Returns ``None`` (and logs a
    warning naming the file) when the image is missing or corrupt.
    """
    img = cv2.imread(str(record.image), cv2.IMREAD_GRAYSCALE)
    if img is None or img.size == 0:
        log.warning("%s: missing or corrupt image, face skipped", record.image)
        return None
    # Training always uses the tight box of the points (an XML <box> may come from a detector).
    box = tight_box(record.points)
    side = int(min(max_side, max(8.0, round(2.0 * float(max(box[2], box[3]))))))
    # Region matrix: the crop helper with crop_scale 2 gives a square of twice the box side.
    m = crop_matrix(box, side, crop_scale=2.0)
    return CachedFace(
        image=warp_crop(img, m, side),
        box=tight_box(apply_affine(m, record.points)),
        points=apply_affine(m, record.points).astype(np.float32),
    )


class LandmarkDataset(Dataset):
    """Crops of annotated faces with targets in centred crop units, optionally augmented.

    Item ``i`` is ``(image, target)``: ``(1, S, S)`` float32 normalised grey crop and
    ``(68, 2)`` float32 target (see :func:`facefilter.landmarks.crop.to_target`).
    Augmentation randomness depends only on ``(seed, epoch, i)``, so runs are reproducible
    whatever the number of workers. With ``profile`` (and ``augment``), a share ``profile_share``
    of the items are first turned to a large pose by it (:mod:`facefilter.train.profile`).
    """

    def __init__(
        self,
        faces: Sequence[CachedFace],
        input_size: int,
        crop_scale: float,
        mean: float,
        std: float,
        augment: object | None = None,
        seed: int = 0,
        profile: ProfileSynth | None = None,
        profile_share: float = 0.0,
    ) -> None:
        self.faces = list(faces)
        self.input_size = input_size
        self.crop_scale = crop_scale
        self.mean, self.std = mean, std
        self.augment = augment
        self.seed = seed
        self.profile, self.profile_share = profile, profile_share
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.faces)

    def crop(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """``(S, S)`` uint8 crop and ``(68, 2)`` crop-pixel points of face ``i``."""
        face = self.faces[i]
        if self.augment is not None:
            rng = np.random.default_rng((self.seed, self.epoch, i))
            image, box, points = face.image, face.box, face.points
            if self.profile is not None and rng.random() < self.profile_share:
                turned = self.profile(image, points, rng)  # None when the fit fails: the face as it is
                if turned is not None:
                    image, points, box = turned.image, turned.points, tight_box(turned.points)
            return self.augment(image, box, points, self.input_size, self.crop_scale, rng)
        m = crop_matrix(face.box, self.input_size, self.crop_scale)
        return warp_crop(face.image, m, self.input_size), apply_affine(m, face.points)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        crop, pts = self.crop(i)
        x = (crop.astype(np.float32) / 255.0 - self.mean) / self.std
        y = to_target(pts, self.input_size).astype(np.float32)
        return torch.from_numpy(x)[None], torch.from_numpy(y)
