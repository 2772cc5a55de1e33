"""The expression model the app runs: FER-style crops -> probabilities over :data:`EXPRESSIONS`.

On the CPU (the default) the shipped ONNX graph ``models/expression.onnx`` runs through ONNX
Runtime, and torch is never imported. With ``device="cuda"`` (or ``None`` where torch sees a CUDA
GPU) the PyTorch network runs from ``models/expression.safetensors``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from facefilter.expression.config import EXPRESSIONS, ExpressionConfig
from facefilter.expression.crop import CROP_SIZE, fer_crops

log = logging.getLogger(__name__)

ONNX_NAME = "expression.onnx"
WEIGHTS_NAME = "expression.safetensors"
CONFIG_KEY = "facefilter_expression_config"


class ExpressionModelError(RuntimeError):
    """A model file is missing, unreadable or not an expression network."""


def shipped_path(name: str) -> Path:
    """A file installed with the package's models (``facefilter/models/<name>``)."""
    return Path(str(resources.files("facefilter.models").joinpath(name)))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class ExpressionModel:
    """An expression network with its preprocessing; build it with :meth:`load`.

    ``flip_test``: average each face's probabilities with those of its mirror image (twice the
    work). ``runner``: maps ``(B, 1, S, S)`` float32 -> ``(B, 8)`` float32 logits.
    """

    def __init__(self, runner: Any, config: ExpressionConfig, device: str = "cpu", flip_test: bool = False,
                 source: Path | None = None) -> None:
        self._run = runner
        self.config = config
        self.device = device
        self.flip_test = flip_test
        self.source = source

    @classmethod
    def load(cls, path: str | Path | None = None, device: str | None = None, flip_test: bool = False,
             threads: int | None = 1) -> ExpressionModel:
        """Load ``path`` (``None``: the shipped model) for ``device``.

        ``device``: ``"cpu"`` (ONNX Runtime, ``threads`` intra-op threads; a ``.onnx`` file, or the
        shipped one), ``"cuda"`` (PyTorch; a ``.safetensors`` or ``.pt`` file, default the shipped
        weights), or ``None``: CUDA when torch sees one, else the CPU.
        """
        if device is None:
            from facefilter.landmarks.predictor import realtime_device

            device = realtime_device()
        if device.split(":")[0] not in ("cpu", "cuda"):
            raise ValueError(f"device must be 'cpu' or 'cuda[:N]', got {device!r}")
        if device == "cpu" and (path is None or Path(path).suffix == ".onnx"):
            return cls._load_onnx(Path(path) if path else shipped_path(ONNX_NAME), flip_test, threads)
        return cls._load_torch(Path(path) if path else shipped_path(WEIGHTS_NAME), device, flip_test)

    @classmethod
    def _load_onnx(cls, path: Path, flip_test: bool, threads: int | None) -> ExpressionModel:
        import onnxruntime as ort

        if not path.is_file():
            raise ExpressionModelError(f"{path}: ONNX model not found")
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        try:
            session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own types for bad files
            raise ExpressionModelError(f"{path}: not a readable ONNX model ({type(exc).__name__}: {exc})") from None
        meta = session.get_modelmeta().custom_metadata_map
        if CONFIG_KEY not in meta:
            raise ExpressionModelError(f"{path}: no '{CONFIG_KEY}' metadata; not a facefilter expression model")
        cfg = ExpressionConfig.from_dict(json.loads(meta[CONFIG_KEY]))
        inp = session.get_inputs()[0].name
        out_shape = session.get_outputs()[0].shape
        if out_shape[-1] != len(EXPRESSIONS):
            raise ExpressionModelError(f"{path}: output has {out_shape[-1]} classes, expected {len(EXPRESSIONS)}")

        def run(x: np.ndarray) -> np.ndarray:
            return session.run(None, {inp: x})[0]

        return cls(run, cfg, "cpu", flip_test, path)

    @classmethod
    def _load_torch(cls, path: Path, device: str, flip_test: bool) -> ExpressionModel:
        import torch

        from facefilter.expression.torch_weights import load_weights

        net, cfg = load_weights(path)
        net = net.to(device)

        @torch.inference_mode()
        def run(x: np.ndarray) -> np.ndarray:
            return net(torch.from_numpy(x).to(device)).float().cpu().numpy()

        return cls(run, cfg, device, flip_test, path)

    def predict_crops(self, crops: np.ndarray) -> np.ndarray:
        """``(N, 48, 48)`` uint8 grey FER-style crops -> ``(N, 8)`` float32 probabilities (rows sum to 1)."""
        crops = np.asarray(crops)
        if crops.ndim != 3 or crops.shape[1:] != (CROP_SIZE, CROP_SIZE) or crops.dtype != np.uint8:
            raise ValueError(f"crops must be (N, {CROP_SIZE}, {CROP_SIZE}) uint8, got {crops.shape} {crops.dtype}")
        if len(crops) == 0:
            return np.zeros((0, len(EXPRESSIONS)), np.float32)
        cfg = self.config
        x = crops.astype(np.float32)[:, None] / 255.0
        if cfg.input_size != CROP_SIZE:
            import cv2

            x = np.stack([cv2.resize(c[0], (cfg.input_size,) * 2, interpolation=cv2.INTER_LINEAR) for c in x])[:, None]
        x = ((x - cfg.mean) / cfg.std).astype(np.float32)
        n = len(x)
        if self.flip_test:
            x = np.concatenate([x, x[..., ::-1]])
        p = _softmax(self._run(np.ascontiguousarray(x)).astype(np.float32))
        if self.flip_test:
            p = (p[:n] + p[n:]) / 2
        return p.astype(np.float32)

    def predict(self, frame_bgr: np.ndarray, faces: Sequence[Any]) -> np.ndarray:
        """One probability vector per face: ``(N, 8)`` float32.

        ``frame_bgr``: HxWx3 uint8 BGR (or HxW grey); ``faces``: objects with ``landmarks``
        ``(68, 2)`` frame pixels (:class:`facefilter.types.Face`) or such arrays.
        """
        if len(faces) == 0:
            return np.zeros((0, len(EXPRESSIONS)), np.float32)
        lms = np.stack([np.asarray(getattr(f, "landmarks", f), np.float64) for f in faces])
        return self.predict_crops(fer_crops(frame_bgr, lms))

    def describe(self) -> str:
        return f"expression model {self.source} on {self.device} ({asdict(self.config)}, flip={self.flip_test})"
