"""``LandmarkModel``: face boxes in, 68 landmarks out (crop -> network -> image pixels).

Torch is imported only where a PyTorch network is built or run: on the CPU,
:meth:`LandmarkModel.load_single` defers building the network, and
:func:`facefilter.landmarks.onnx.use_onnx` then gives it a shipped ONNX graph instead, so the
real-time CPU path (crop, ONNX Runtime, points back in pixels: numpy and cv2) never loads torch.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from facefilter.landmarks.crop import (
    apply_affine,
    area_prefilter,
    crop_matrix,
    from_target,
    invert_affine,
    warp_crop,
)
from facefilter.landmarks.onnx import OnnxNet
from facefilter.landmarks.weights import ModelConfig, WeightsError, load_network, read_config, shipped_weights_path
from facefilter.types import FLIP_PERMUTATION, N_LANDMARKS

if TYPE_CHECKING:
    import torch

    from facefilter.landmarks.model import LandmarkNet

log = logging.getLogger(__name__)

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


def torch_installed() -> bool:
    """Whether torch can be imported (it is an extra: ``facefilter[train]`` or ``facefilter[cuda]``)."""
    return "torch" in sys.modules or importlib.util.find_spec("torch") is not None


def nvidia_driver_present() -> bool:
    """Whether an NVIDIA driver is visible, told without importing torch (Linux: the kernel
    module's ``/proc`` entry; Windows: ``nvcuda.dll``)."""
    if sys.platform.startswith("linux"):
        return Path("/proc/driver/nvidia/version").is_file()
    if sys.platform == "win32":
        return Path(os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32", "nvcuda.dll").is_file()
    return False


def realtime_device() -> str:
    """The real-time network's device: ``"cuda"`` when torch is installed and sees a CUDA GPU, else
    ``"cpu"`` (ONNX Runtime). Imports torch only where an NVIDIA driver is present."""
    if torch_installed() and nvidia_driver_present():
        import torch

        if torch.cuda.is_available():
            return "cuda"
    return "cpu"


def _device_name(device: str | torch.device) -> str:
    name = str(device)
    if name.split(":")[0] not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be 'cpu', 'cuda[:N]' or 'mps', got {device!r}")
    return name


def default_device() -> torch.device:
    """CUDA when present, then Apple MPS, else the CPU (imports torch; :func:`realtime_device` does not)."""
    import torch

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

    ``net`` and ``companions`` are :class:`LandmarkNet` modules or :class:`OnnxNet` graphs.
    ``net=None`` defers building the network from ``source`` until :attr:`net` is first read
    (which imports torch); :func:`~facefilter.landmarks.onnx.use_onnx` can instead give it a
    shipped ONNX graph, without torch. ``device``: ``"cpu"``, ``"cuda"``... or a ``torch.device``.
    """

    def __init__(
        self, net: LandmarkNet | OnnxNet | None, config: ModelConfig, device: str | torch.device,
        flip_test: bool = True, source: Path | None = None, companions: Sequence[LandmarkNet | OnnxNet] = (),
        crops: Sequence[tuple[float, float, float]] = ONE_CROP,
    ) -> None:
        if not crops or any(len(c) != 3 or not c[0] > 0 for c in crops):
            raise ValueError(f"crops must be (zoom > 0, shift x, shift y) triples, got {list(crops)}")
        if net is None and source is None:
            raise ValueError("LandmarkModel needs a network or the weights file to build it from (source)")
        self._device = _device_name(device)
        self._net = None if net is None else self._placed(net)
        self.config = config
        self.flip_test = flip_test
        self.source = source  # the weights file, when loaded from one
        self.companions = [self._placed(c) for c in companions]
        self.crops = [tuple(map(float, c)) for c in crops]

    def _placed(self, net: Any) -> Any:
        return net if isinstance(net, OnnxNet) else net.to(self._device).eval()

    @property
    def net(self) -> Any:
        """The main network (:class:`LandmarkNet` or :class:`OnnxNet`); built from :attr:`source`
        on first use when deferred (imports torch)."""
        if self._net is None:
            assert self.source is not None  # checked in __init__
            self._net = self._placed(load_network(self.source)[0])
        return self._net

    @net.setter
    def net(self, value: Any) -> None:
        self._net = self._placed(value)

    @property
    def net_built(self) -> bool:
        """Whether :attr:`net` exists yet (False: deferred, see the class doc)."""
        return self._net is not None

    @property
    def device_type(self) -> str:
        """``"cpu"``, ``"cuda"`` or ``"mps"``, without importing torch."""
        return self._device.split(":")[0]

    @property
    def device(self) -> torch.device:
        """The device as a ``torch.device`` (imports torch)."""
        import torch

        return torch.device(self._device)

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

        Without torch installed (it is an extra), on the CPU: the main network alone through its
        shipped ONNX graph (fp32), with a warning that the companions need ``facefilter[train]``.
        """
        source = Path(shipped_weights_path() if path is None else path)
        crops = MULTI_CROP if (path is None if multi_crop is None else multi_crop) else ONE_CROP
        if not torch_installed() and (device is None or _device_name(device) == "cpu"):
            from facefilter.landmarks.onnx import use_onnx

            model = cls(None, read_config(source), "cpu", flip_test, source, crops=crops)
            if (companions is None and path is None) or companions:
                log.warning("torch is not installed: the landmark ensemble runs its main network only "
                            "(pip install 'facefilter[train]' for the full ensemble)")
            if not use_onnx(model, threads=None, precision="fp32"):
                raise WeightsError(f"{source}: no ONNX graph made from these weights, and no torch to run them "
                                   "(pip install 'facefilter[train]')")
            return model
        if not torch_installed():
            raise RuntimeError(f"device {device!r} needs torch: pip install 'facefilter[cuda]' (or run on the CPU)")
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
        dev = default_device() if device is None else device
        return cls(net, cfg, dev, flip_test, source, extra, crops)

    @classmethod
    def load_single(
        cls, path: str | Path | None = None, device: str | torch.device | None = None, flip_test: bool = True,
    ) -> LandmarkModel:
        """The main network alone on one crop per face: what the real-time tracker runs.

        ``device=None``: :func:`realtime_device` (CUDA when torch sees one, else the CPU). On the
        CPU the network is not built here (no torch): :func:`~facefilter.landmarks.onnx.use_onnx`
        gives it the shipped ONNX graph, or reading :attr:`net` builds the PyTorch network.
        """
        dev = realtime_device() if device is None else _device_name(device)
        if dev != "cpu":
            return cls.load(path, dev, flip_test, companions=[], multi_crop=False)
        source = Path(shipped_weights_path() if path is None else path)
        return cls(None, read_config(source), dev, flip_test, source)

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
        x = ((crops / 255.0 - cfg.mean) / cfg.std).astype(np.float32, copy=False)[:, None]
        n = len(x)
        if self.flip_test:
            x = np.concatenate([x, x[..., ::-1]])
        out = self._run_networks(x)
        target = out[:n]
        if self.flip_test:
            mirrored = out[n:][:, _FLIP]
            mirrored[..., 0] = -mirrored[..., 0]
            target = (target + mirrored) / 2
        crop_pts = from_target(target, size)
        pts = np.stack([apply_affine(invert_affine(m), p) for m, p in zip(mats, crop_pts, strict=True)])
        pts = pts.reshape(len(self.crops), len(boxes), N_LANDMARKS, 2).mean(axis=0)
        return pts.astype(np.float32)

    def _run_networks(self, x: np.ndarray) -> np.ndarray:
        """The mean of every network's ``(B, P, 2)`` output for the ``(B, 1, S, S)`` float32 input."""
        nets = [self.net, *self.companions]
        if all(isinstance(n, OnnxNet) for n in nets):
            out = nets[0].run(x)
            for other in nets[1:]:
                out = out + other.run(x)
            return out / len(nets)
        import torch

        with torch.inference_mode():
            xt = torch.from_numpy(np.ascontiguousarray(x)).to(self._device)
            out = self.net(xt).float().cpu().numpy()
            for other in self.companions:
                out += other(xt).float().cpu().numpy()
        return out / len(nets)
