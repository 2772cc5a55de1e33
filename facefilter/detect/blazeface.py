"""MediaPipe BlazeFace through ``mediapipe.solutions.face_detection`` (mediapipe 0.10.21).

The two models ship inside the mediapipe package (``mediapipe/modules/face_detection/
face_detection_short_range.tflite`` and ``face_detection_full_range_sparse.tflite``); nothing
is downloaded. The Tasks API cannot run the sparse full-range model (its box tensor does not
match the Tasks graph), so both go through the legacy solution graph.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

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


class BlazeFaceDetector:
    """BlazeFace on BGR frames: boxes, 6 keypoints and the mapped landmark box, best score first.

    ``model`` picks the range (:class:`BlazeFaceModel`), ``min_score`` the confidence threshold,
    ``nms_iou`` the landmark-box overlap above which two detections (of the two models) are one
    face. ``mappings`` overrides the shipped box mappings (``{"short": BoxMapping, ...}``);
    ``map_boxes=False`` leaves ``landmark_box`` unset (raw detections, for calibration).
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
    ) -> None:
        from mediapipe.python.solutions import face_detection  # heavy import, only when a detector is made

        self.model = BlazeFaceModel(model)
        self.min_score = min_score
        self.nms_iou = nms_iou
        names = ["short", "full"] if self.model is BlazeFaceModel.BOTH else [self.model.value]
        self.mappings: dict[str, BoxMapping | None] = {
            n: ((mappings or {}).get(n) or load_box_mapping(n)) if map_boxes else None for n in names
        }
        self._graphs = {
            n: face_detection.FaceDetection(min_detection_confidence=min_score, model_selection=int(n == "full"))
            for n in names
        }

    def detect(self, frame_bgr: np.ndarray) -> list[Detection]:
        check_frame(frame_bgr)
        rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
        found = {name: self._run(graph, rgb, self.mappings[name]) for name, graph in self._graphs.items()}
        return merge_models(found, self.nms_iou)

    @staticmethod
    def _run(graph: object, rgb: np.ndarray, mapping: BoxMapping | None) -> list[Detection]:
        h, w = rgb.shape[:2]
        result = graph.process(rgb)  # type: ignore[attr-defined]
        out = []
        for det in result.detections or []:
            loc = det.location_data
            rb = loc.relative_bounding_box
            box = Box(rb.xmin * w - 0.5, rb.ymin * h - 0.5, rb.width * w, rb.height * h)
            kps = np.array([[k.x * w - 0.5, k.y * h - 0.5] for k in loc.relative_keypoints], np.float32)
            raw = Detection(box, float(det.score[0]), kps if kps.shape == (6, 2) else None)
            if mapping is None:
                out.append(raw)
                continue
            lm_box, roll = mapping(raw)
            out.append(Detection(raw.box, raw.score, raw.keypoints, Box(*(float(v) for v in lm_box)), roll))
        return out

    def close(self) -> None:
        for graph in self._graphs.values():
            graph.close()  # type: ignore[attr-defined]
        self._graphs = {}

    def __enter__(self) -> BlazeFaceDetector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
