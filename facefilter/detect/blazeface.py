"""MediaPipe BlazeFace: the short-range and the sparse full-range face detectors, run on the
TFLite interpreter of ``ai-edge-litert`` with MediaPipe's own pre- and post-processing.

The two models are MediaPipe's (Apache-2.0), copied from the mediapipe 0.10.21 wheel into
``facefilter/detect/models/`` (``SOURCE.md`` there gives their origin and checksums); nothing is
downloaded. MediaPipe 1.x no longer ships its legacy ``solutions.face_detection`` graph; the Tasks
``FaceDetector`` of mediapipe 0.10.x cannot run the sparse full-range model (its box count does
not match the Tasks graph), that of 1.2.3 runs it but gives other boxes than the legacy graph, and
both round boxes to whole pixels (the box mapping's features are keypoints over box width). So
this module does what the legacy graph (``mediapipe/modules/face_detection/face_detection*.pbtxt``) did:

1. ``ImageToTensorCalculator``: the whole frame, letterboxed (centred, zero border) to the model's
   square input by a bilinear perspective warp mapping the frame's corners to the tensor's
   corners, RGB scaled to [-1, 1];
2. ``SsdAnchorsCalculator``: fixed-size anchors at cell centres (short range: strides 8, 16, 16,
   16 with two anchors per cell, 896; full range: stride 4, one anchor, 2,304);
3. ``TensorsToDetectionsCalculator``: box centre, size and 6 keypoints relative to the anchor,
   scaled by the input size; score = sigmoid(logit clipped to +-100) >= ``min_score`` (the
   full-range graph of the legacy solution kept its own 0.6 whatever it was asked: so here);
4. ``NonMaxSuppressionCalculator`` (``WEIGHTED``, IoU > 0.3): each cluster becomes the
   score-weighted mean of its boxes and keypoints, with the best score;
5. ``DetectionProjectionCalculator``: back from the letterboxed tensor to the frame.

Checked against the legacy solution (mediapipe 0.10.21) on 300-W faces pasted into 640x480
frames: the same detections, scores and coordinates (within 1e-2 px, measured 0.000 px; see
``tests/test_detect.py::test_blazeface_matches_legacy_solution``, run where mediapipe 0.10.x is
installed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from facefilter.detect.base import Detection, check_frame
from facefilter.detect.mapping import BoxMapping, load_box_mapping
from facefilter.types import Box


class BlazeFaceModel(StrEnum):
    """``SHORT``: 128x128 input, faces within ~2 m; ``FULL``: 192x192 sparse model, faces within ~5 m;
    ``BOTH``: run both and merge (the default: see ``facefilter.tools.calibrate`` for the figures)."""

    SHORT = "short"
    FULL = "full"
    BOTH = "both"


DEFAULT_MODEL = BlazeFaceModel.BOTH
# With both models, a face both found takes its landmark box from the full-range model when that
# box is smaller than this (px), else from the short-range one: the more accurate of the two at
# that size on 300-W faces (python -m facefilter.tools.calibrate prints the comparison).
FULL_RANGE_BELOW = 150.0


def merge_models(found: dict[str, list[Detection]], nms_iou: float = 0.3,
                 full_below: float = FULL_RANGE_BELOW) -> list[Detection]:
    """One list from each model's detections: overlapping landmark boxes are one face.

    The face keeps the best score and the box of the model preferred at its size (see
    :data:`FULL_RANGE_BELOW`). Returns detections best score first.
    """
    tagged = sorted(((d.score, m, d) for m, dets in found.items() for d in dets), key=lambda t: -t[0])
    kept: list[tuple[str, Detection]] = []
    for _, m, d in tagged:
        j = next((j for j, (_, k) in enumerate(kept) if d.crop_box().iou(k.crop_box()) >= nms_iou), None)
        if j is None:
            kept.append((m, d))
            continue
        km, k = kept[j]
        if km != m:
            full, short = (k, d) if km == "full" else (d, k)
            pick = full if full.crop_box().width < full_below else short
            kept[j] = ("full" if pick is full else "short", replace(pick, score=max(k.score, d.score)))
    return [d for _, d in kept]


@dataclass(frozen=True)
class BlazeFaceSpec:
    """One model's input size and anchor layout (``face_detection_{short,full}_range.pbtxt``)."""

    filename: str
    size: int  # square input, px
    strides: tuple[int, ...]
    interpolated_scale: bool  # a second anchor per cell (``interpolated_scale_aspect_ratio`` > 0)
    min_score: float  # the graph's own threshold: the legacy full-range graph kept 0.6 whatever it was asked


SPECS: dict[str, BlazeFaceSpec] = {
    "short": BlazeFaceSpec("face_detection_short_range.tflite", 128, (8, 16, 16, 16), True, 0.0),
    "full": BlazeFaceSpec("face_detection_full_range_sparse.tflite", 192, (4,), False, 0.6),
}
NMS_IOU = 0.3  # NonMaxSuppressionCalculator min_suppression_threshold
SCORE_CLIP = 100.0  # TensorsToDetectionsCalculator score_clipping_thresh


def model_path(name: str) -> Path:
    """Path of the shipped ``.tflite`` file of model ``name`` (``"short"`` or ``"full"``)."""
    if name not in SPECS:
        raise ValueError(f"unknown BlazeFace model {name!r} (known: {', '.join(SPECS)})")
    path = Path(str(resources.files("facefilter.detect").joinpath("models", SPECS[name].filename)))
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the BlazeFace model is missing from the facefilter package")
    return path


def ssd_anchors(spec: BlazeFaceSpec) -> np.ndarray:
    """``(N, 2)`` float32 anchor centres in [0, 1] (x, y), in the model's output order.

    As ``SsdAnchorsCalculator`` with ``fixed_anchor_size``: consecutive layers of one stride
    share a grid; each grid cell, row by row, gets one anchor per layer and aspect ratio, plus
    one interpolated anchor per layer when ``interpolated_scale``.
    """
    out = []
    i = 0
    while i < len(spec.strides):
        stride = spec.strides[i]
        j = i
        while j < len(spec.strides) and spec.strides[j] == stride:
            j += 1
        per_cell = (j - i) * (2 if spec.interpolated_scale else 1)
        n = -(-spec.size // stride)  # ceil
        ys, xs = np.meshgrid((np.arange(n) + 0.5) / n, (np.arange(n) + 0.5) / n, indexing="ij")
        cells = np.stack([xs.ravel(), ys.ravel()], 1)
        out.append(np.repeat(cells, per_cell, axis=0))
        i = j
    return np.concatenate(out).astype(np.float32)


def letterbox(rgb: np.ndarray, size: int) -> tuple[np.ndarray, float, float, float]:
    """``(tensor, side, left, top)``: the HxWx3 uint8 frame letterboxed into a ``(1, size, size, 3)``
    float32 tensor in [-1, 1] (border -1), and the frame's square ROI (``side`` px, top-left corner
    ``(left, top)`` in frame pixels) whose corners map to the tensor's corners.
    """
    h, w = rgb.shape[:2]
    side = float(max(w, h))
    left, top = w / 2 - side / 2, h / 2 - side / 2
    k = size / side
    mat = np.array([[k, 0.0, -left * k], [0.0, k, -top * k]])
    warped = cv2.warpAffine(rgb, mat, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    tensor = warped.astype(np.float32) * (2.0 / 255.0) - 1.0
    return tensor[None], side, left, top


def decode(raw: np.ndarray, logits: np.ndarray, anchors: np.ndarray, size: int, min_score: float) -> np.ndarray:
    """``(M, 17)`` float64 rows ``[score, xmin, ymin, xmax, ymax, 6 x (x, y)]`` in tensor units [0, 1]
    of the boxes scoring at least ``min_score``; ``raw``: ``(N, 16)``, ``logits``: ``(N,)``."""
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits.astype(np.float64), -SCORE_CLIP, SCORE_CLIP)))
    keep = np.flatnonzero(scores >= min_score)
    r = raw[keep].astype(np.float64) / size
    a = anchors[keep].astype(np.float64)
    cx, cy = r[:, 0] + a[:, 0], r[:, 1] + a[:, 1]
    half_w, half_h = r[:, 2] / 2, r[:, 3] / 2
    kps = r[:, 4:16].reshape(-1, 6, 2) + a[:, None, :]
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], 1)
    return np.concatenate([scores[keep, None], boxes, kps.reshape(-1, 12)], 1)


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    lo, hi = np.maximum(box[:2], boxes[:, :2]), np.minimum(box[2:], boxes[:, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
    area = lambda b: np.prod(np.clip(b[..., 2:] - b[..., :2], 0, None), axis=-1)  # noqa: E731
    union = area(box) + area(boxes) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def weighted_nms(dets: np.ndarray, iou: float = NMS_IOU) -> np.ndarray:
    """MediaPipe's ``WEIGHTED`` non-maximum suppression of ``decode`` rows, best score first: each
    remaining best detection and those overlapping it by IoU > ``iou`` become one, the
    score-weighted mean of their boxes and keypoints, keeping the best score."""
    order = dets[np.argsort(-dets[:, 0], kind="stable")]
    out = []
    while len(order):
        top = order[0]
        near = _iou(top[1:5], order[:, 1:5]) > iou
        near[0] = True
        cluster = order[near]
        w = cluster[:, :1]
        merged = top.copy()
        merged[1:] = (cluster[:, 1:] * w).sum(0) / w.sum()
        out.append(merged)
        order = order[~near]
    return np.stack(out) if out else np.zeros((0, 17))


class BlazeFaceDetector:
    """BlazeFace on BGR frames: boxes, 6 keypoints and the mapped landmark box, best score first.

    ``model`` picks the range (:class:`BlazeFaceModel`), ``min_score`` the confidence threshold,
    ``nms_iou`` the landmark-box overlap above which two detections (of the two models) are one
    face. ``mappings`` overrides the shipped box mappings (``{"short": BoxMapping, ...}``);
    ``map_boxes=False`` leaves ``landmark_box`` unset (raw detections, for calibration).
    ``threads``: the TFLite interpreter's threads per model (1 leaves the other cores to the app).
    Not thread-safe: use one detector per thread. Call :meth:`close` (or use ``with``) to free it.
    """

    def __init__(
        self,
        model: BlazeFaceModel | str = DEFAULT_MODEL,
        min_score: float = 0.5,
        *,
        nms_iou: float = 0.3,
        mappings: dict[str, BoxMapping] | None = None,
        map_boxes: bool = True,
        threads: int = 1,
    ) -> None:
        from ai_edge_litert.interpreter import Interpreter  # heavy import, only when a detector is made

        self.model = BlazeFaceModel(model)
        self.min_score = min_score
        self.nms_iou = nms_iou
        names = ["short", "full"] if self.model is BlazeFaceModel.BOTH else [self.model.value]
        self.mappings: dict[str, BoxMapping | None] = {
            n: ((mappings or {}).get(n) or load_box_mapping(n)) if map_boxes else None for n in names
        }
        self._interpreters = {}
        self._anchors = {}
        for n in names:
            it = Interpreter(model_path=str(model_path(n)), num_threads=threads)
            it.allocate_tensors()
            self._interpreters[n] = it
            self._anchors[n] = ssd_anchors(SPECS[n])

    def detect(self, frame_bgr: np.ndarray) -> list[Detection]:
        check_frame(frame_bgr)
        if not self._interpreters:
            raise RuntimeError("BlazeFaceDetector.detect called after close()")
        rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
        found = {name: self._run(name, rgb) for name in self._interpreters}
        return merge_models(found, self.nms_iou)

    def raw_detections(self, rgb: np.ndarray, name: str) -> np.ndarray:
        """Model ``name``'s detections of an HxWx3 uint8 RGB frame after weighted NMS: ``(M, 17)``
        float64 rows ``[score, xmin, ymin, xmax, ymax, 6 x (x, y)]`` in frame pixels, pixel centres
        at integers (MediaPipe's relative coordinates times the frame size, minus 0.5)."""
        spec, it = SPECS[name], self._interpreters[name]
        tensor, side, left, top = letterbox(rgb, spec.size)
        inp, outs = it.get_input_details()[0], it.get_output_details()
        it.set_tensor(inp["index"], tensor)
        it.invoke()
        by_len = sorted((it.get_tensor(o["index"]) for o in outs), key=lambda t: -t.shape[-1])
        raw, logits = by_len[0].reshape(-1, 16), by_len[1].reshape(-1)
        min_score = max(self.min_score, spec.min_score)
        dets = weighted_nms(decode(raw, logits, self._anchors[name], spec.size, min_score))
        dets[:, 1:] = dets[:, 1:] * side - 0.5  # tensor units -> frame pixels (x and y alike: square ROI)
        dets[:, 1::2] += left
        dets[:, 2::2] += top
        return dets

    def _run(self, name: str, rgb: np.ndarray) -> list[Detection]:
        mapping = self.mappings[name]
        out = []
        for row in self.raw_detections(rgb, name):
            x0, y0, x1, y1 = (float(v) for v in row[1:5])
            raw = Detection(Box(x0, y0, x1 - x0, y1 - y0), float(row[0]), row[5:].reshape(6, 2).astype(np.float32))
            if mapping is None:
                out.append(raw)
                continue
            lm_box, roll = mapping(raw)
            out.append(Detection(raw.box, raw.score, raw.keypoints, Box(*(float(v) for v in lm_box)), roll))
        return out

    def close(self) -> None:
        self._interpreters = {}  # the interpreters free their memory when dropped

    def __enter__(self) -> BlazeFaceDetector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
