"""``LandmarkModel``: face boxes in, 68 landmarks out (crop -> network -> image pixels)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import torch

from facefilter.landmarks.crop import (
    apply_affine,
    area_prefilter,
    crop_matrix,
    from_target,
    invert_affine,
    warp_crop,
)
from facefilter.landmarks.model import LandmarkNet
from facefilter.landmarks.weights import ModelConfig, WeightsError, load_network, shipped_weights_path
from facefilter.types import FLIP_PERMUTATION, N_LANDMARKS

_FLIP = np.asarray(FLIP_PERMUTATION)

# Networks shipped beside ``landmarks.safetensors`` whose predictions ``LandmarkModel.load()``
# averages with it by default (the soft-argmax head; measured in models/README.md).
SHIPPED_COMPANIONS = ("landmarks.soft.safetensors",)

# Test-time crops ``(zoom, shift x, shift y)`` (``crop_matrix``'s ``scale`` and ``shift``, the
# shifts in fractions of the crop side) averaged by ``LandmarkModel.load(multi_crop=True)``: the
# plain crop, 5% zoomed in and out, and shifted by 2.5% of the crop (3% of the box) each way.
ONE_CROP: tuple[tuple[float, float, float], ...] = ((1.0, 0.0, 0.0),)
MULTI_CROP: tuple[tuple[float, float, float], ...] = (
    (1.0, 0.0, 0.0), (1.05, 0.0, 0.0), (1 / 1.05, 0.0, 0.0),
    (1.0, 0.025, 0.0), (1.0, -0.025, 0.0), (1.0, 0.0, 0.025), (1.0, 0.0, -0.025),
)


def default_device() -> torch.device:
    """CUDA when present, then Apple MPS, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def to_gray(image: np.ndarray) -> np.ndarray:
    """HxW uint8 grey from HxW, HxWx1, HxWx3 (BGR) or HxWx4 (BGRA) uint8; anything else raises."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValueError(f"image must be a uint8 numpy array, got {getattr(image, 'dtype', type(image))}")
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    raise ValueError(f"image must be HxW or HxWx3 (BGR), got shape {image.shape}")


class LandmarkModel:
    """The trained landmark network with its preprocessing.

    ``flip_test`` averages each prediction with that of the mirrored crop (test-time flip
    augmentation): more accurate, twice the network work. ``companions``: more networks with
    the same preprocessing whose predictions are averaged with ``net``'s (an ensemble: more
    accurate, one more network pass each). ``crops``: test-time crops ``(zoom, shift x, shift y)``
    of each face whose predictions are averaged in image pixels (:data:`MULTI_CROP`; one network
    pass each). ``net`` alone, one crop, is what the real-time tracker runs.
    """

    def __init__(
        self, net: LandmarkNet, config: ModelConfig, device: torch.device, flip_test: bool = True,
        source: Path | None = None, companions: Sequence[LandmarkNet] = (),
        crops: Sequence[tuple[float, float, float]] = ONE_CROP,
    ) -> None:
        if not crops or any(len(c) != 3 or not c[0] > 0 for c in crops):
            raise ValueError(f"crops must be (zoom > 0, shift x, shift y) triples, got {list(crops)}")
        self.net = net.to(device).eval()
        self.config = config
        self.device = device
        self.flip_test = flip_test
        self.source = source  # the weights file, when loaded from one
        self.companions = [c.to(device).eval() for c in companions]
        self.crops = [tuple(map(float, c)) for c in crops]

    @classmethod
    def load(
        cls, path: str | Path | None = None, device: str | torch.device | None = None, flip_test: bool = True,
        companions: Sequence[str | Path] | None = None, multi_crop: bool | None = None,
    ) -> LandmarkModel:
        """Load weights from ``path`` (``None``: the shipped weights) onto ``device`` (``None``: best).

        ``companions``: weights files averaged with ``path``'s network; ``None`` means the shipped
        companions when ``path`` is ``None`` (the shipped ensemble) and none otherwise; ``[]``: none.
        ``multi_crop``: average the :data:`MULTI_CROP` test-time crops of each face; ``None`` means
        on for the shipped weights (``path`` is ``None``: the most accurate default) and off otherwise.
        """
        source = Path(shipped_weights_path() if path is None else path)
        net, cfg = load_network(source)
        if companions is None:
            companions = [source.with_name(n) for n in SHIPPED_COMPANIONS] if path is None else []
        extra = []
        for other in map(Path, companions):
            cnet, ccfg = load_network(other)
            if (ccfg.input_size, ccfg.crop_scale, ccfg.mean, ccfg.std, ccfg.n_points) != (
                cfg.input_size, cfg.crop_scale, cfg.mean, cfg.std, cfg.n_points
            ):
                raise WeightsError(f"{other}: its crops ({ccfg}) differ from those of {source} ({cfg})")
            extra.append(cnet)
        dev = default_device() if device is None else torch.device(device)
        crops = MULTI_CROP if (path is None if multi_crop is None else multi_crop) else ONE_CROP
        return cls(net, cfg, dev, flip_test, source, extra, crops)

    @classmethod
    def load_single(
        cls, path: str | Path | None = None, device: str | torch.device | None = None, flip_test: bool = True,
    ) -> LandmarkModel:
        """The main network alone on one crop per face: what the real-time tracker runs."""
        return cls.load(path, device, flip_test, companions=[], multi_crop=False)

    def crop_matrices(
        self, boxes: np.ndarray, angles: np.ndarray | None = None, crop: tuple[float, float, float] = ONE_CROP[0],
    ) -> np.ndarray:
        """``(N, 2, 3)`` image->crop matrices for ``(N, 4)`` boxes, optional roll angles (deg) and a test-time crop."""
        size, scale = self.config.input_size, self.config.crop_scale
        angles = np.zeros(len(boxes)) if angles is None else np.asarray(angles, dtype=np.float64)
        zoom, sx, sy = crop
        mats = [crop_matrix(b, size, scale, rotation_deg=float(a), scale=zoom, shift=(sx, sy))
                for b, a in zip(boxes, angles, strict=True)]
        return np.stack(mats)

    @torch.inference_mode()
    def predict(self, image: np.ndarray, boxes: np.ndarray, angles: np.ndarray | None = None) -> np.ndarray:
        """Landmarks of every face in ``image``, in one batch.

        ``image``: HxWx3 BGR uint8 or HxW uint8. ``boxes``: ``(N, 4)`` ``(left, top, width,
        height)``, the tight box around the 68 points (300-W ``<box>`` convention).
        ``angles``: optional ``(N,)`` roll in degrees (``atan2`` of the eye line, y down); the
        crop is then turned so the face is upright (useful when tracking rotated faces).
        Returns ``(N, 68, 2)`` float32 image pixels.
        """
        gray = to_gray(image)
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4) if len(boxes) else np.zeros((0, 4))
        if len(boxes) == 0:
            return np.zeros((0, N_LANDMARKS, 2), dtype=np.float32)
        if not np.all(np.isfinite(boxes)) or np.any(boxes[:, 2:] <= 0):
            raise ValueError(f"boxes must be finite with positive width and height, got {boxes.tolist()}")
        size, cfg = self.config.input_size, self.config
        mats = np.concatenate([self.crop_matrices(boxes, angles, c) for c in self.crops])  # crop-major
        crops = np.zeros((len(mats), size, size), np.float32)
        for i in range(len(boxes)):  # a face's crops share one area-averaging of a large photo
            face = np.arange(i, len(mats), len(boxes))
            small, small_mats = area_prefilter(gray, mats[face], size)
            crops[face] = [warp_crop(small, m, size, max_step=None) for m in small_mats]
        x = torch.from_numpy((crops / 255.0 - cfg.mean) / cfg.std)[:, None].to(self.device)
        n = len(x)
        if self.flip_test:
            x = torch.cat([x, torch.flip(x, dims=[3])])
        out = self.net(x).float().cpu().numpy()
        for other in self.companions:
            out += other(x).float().cpu().numpy()
        out /= 1 + len(self.companions)
        target = out[:n]
        if self.flip_test:
            mirrored = out[n:][:, _FLIP]
            mirrored[..., 0] = -mirrored[..., 0]
            target = (target + mirrored) / 2
        crop_pts = from_target(target, size)
        pts = np.stack([apply_affine(invert_affine(m), p) for m, p in zip(mats, crop_pts, strict=True)])
        pts = pts.reshape(len(self.crops), len(boxes), N_LANDMARKS, 2).mean(axis=0)
        return pts.astype(np.float32)
