"""Face or not: a tiny classifier on the upright grey crop the landmark network sees (ONNX Runtime only).

The tracker asks it, for each face it follows, whether the crop around the face's points still
shows a face: a detector's false box on a hand, a fruit or a dark patch, or a track that optical
flow carried off the face onto the background, scores low and is dropped. The network
(``models/faceness.onnx``, trained by ``python -m facefilter.tools.faceness``; model card:
models/README.md, "Face-ness") takes a ``size`` x ``size`` grey crop, square, centred on the
face's tight landmark box, side ``crop_scale`` x the box's longer side, turned upright by the
face's roll, normalised ``(x / 255 - mean) / std``; these four numbers ride in the ONNX file's
metadata. It returns one logit per crop; :meth:`FacenessModel.score` gives ``sigmoid(logit)``
in [0, 1]. No torch here: this runs on the CPU path the app ships.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np

from facefilter.landmarks.crop import area_prefilter, crop_matrix, warp_crop

FACENESS_NAME = "faceness.onnx"
# ONNX metadata keys the training tool writes and this loader requires.
META_KEYS = ("facefilter_faceness_size", "facefilter_faceness_crop_scale", "facefilter_faceness_mean",
             "facefilter_faceness_std")


def shipped_faceness_path() -> Path:
    """``faceness.onnx`` in the shipped models folder (package data ``facefilter.models``)."""
    return Path(str(resources.files("facefilter.models").joinpath(FACENESS_NAME)))


def faceness_crops(gray: np.ndarray, boxes: np.ndarray, rolls: np.ndarray | None, size: int,
                   crop_scale: float) -> np.ndarray:
    """``(N, size, size)`` uint8 upright crops of ``gray`` (HxW uint8).

    ``boxes``: ``(N, 4)`` ``(left, top, width, height)`` tight landmark boxes in image pixels;
    ``rolls``: ``(N,)`` degrees (``atan2`` of the eye line, y down; None: 0), the crop turned so
    the face is upright, as :meth:`facefilter.landmarks.LandmarkModel.predict` crops it. A large
    face is area-averaged first (:func:`facefilter.landmarks.crop.warp_crop`).
    """
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    rolls = np.zeros(len(boxes)) if rolls is None else np.asarray(rolls, np.float64).reshape(-1)
    out = np.zeros((len(boxes), size, size), np.uint8)
    for i, (box, roll) in enumerate(zip(boxes, rolls, strict=True)):
        m = crop_matrix(box, size, crop_scale, rotation_deg=float(roll))
        small, mats = area_prefilter(gray, m[None], size)
        out[i] = warp_crop(small, mats[0], size, max_step=None)
    return out


class FacenessModel:
    """The face-ness classifier in ONNX Runtime: crops (or boxes on a grey frame) in, P(face) out.

    ``path``: the ONNX file (None: the shipped ``faceness.onnx``); ``threads``: ONNX Runtime
    intra-op threads. Raises ``ValueError`` naming the file when its metadata lacks the crop
    parameters (:data:`META_KEYS`), ``FileNotFoundError`` when it is missing. :meth:`close` (or
    ``with``) frees the session.
    """

    def __init__(self, path: str | Path | None = None, threads: int | None = 1) -> None:
        import onnxruntime as ort

        self.path = Path(shipped_faceness_path() if path is None else path)
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: no face-ness model (build it with "
                                    "`python -m facefilter.tools.faceness`)")
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        self._session: ort.InferenceSession | None = ort.InferenceSession(
            self.path.read_bytes(), opts, providers=["CPUExecutionProvider"])
        meta = self._session.get_modelmeta().custom_metadata_map
        missing = [k for k in META_KEYS if k not in meta]
        if missing:
            raise ValueError(f"{self.path}: ONNX metadata lacks {missing} (not a face-ness model?)")
        self.size = int(meta[META_KEYS[0]])
        self.crop_scale, self.mean, self.std = (float(meta[k]) for k in META_KEYS[1:])
        self._input = self._session.get_inputs()[0].name

    def score_crops(self, crops: np.ndarray) -> np.ndarray:
        """``(N,)`` float32 P(face) for ``(N, size, size)`` uint8 grey crops (:func:`faceness_crops`)."""
        if self._session is None:
            raise RuntimeError(f"{self.path}: the face-ness model was closed")
        crops = np.asarray(crops)
        if crops.dtype != np.uint8 or crops.ndim != 3 or crops.shape[1:] != (self.size, self.size):
            raise ValueError(f"face-ness crops must be (N, {self.size}, {self.size}) uint8, got "
                             f"{crops.dtype} {crops.shape}")
        if len(crops) == 0:
            return np.zeros(0, np.float32)
        x = ((crops.astype(np.float32) / 255.0 - self.mean) / self.std)[:, None]
        logits = self._session.run(None, {self._input: x})[0].reshape(-1)
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)

    def score(self, gray: np.ndarray, boxes: np.ndarray, rolls: np.ndarray | None = None) -> np.ndarray:
        """``(N,)`` float32 P(face) of the faces at ``boxes`` (tight landmark boxes, ``(N, 4)``
        ``(left, top, width, height)`` image pixels) with ``rolls`` (deg) in the HxW uint8 ``gray`` frame."""
        if gray.dtype != np.uint8 or gray.ndim != 2:
            raise ValueError(f"face-ness needs an HxW uint8 grey frame, got {gray.dtype} {gray.shape}")
        return self.score_crops(faceness_crops(gray, boxes, rolls, self.size, self.crop_scale))

    def close(self) -> None:
        self._session = None

    def __enter__(self) -> FacenessModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
