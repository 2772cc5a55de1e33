"""MediaPipe Face Mesh (468 points) without the legacy ``mediapipe.solutions`` API: the benchmark's
reference tracker, run on the TFLite interpreter of ``ai-edge-litert``.

The model is MediaPipe's ``face_landmark.tflite`` (Apache-2.0, copied from the mediapipe 0.10.21
wheel into ``facefilter/bench/models/``; ``SOURCE.md`` there gives its origin). The graph around
it is the legacy solution's (``mediapipe/modules/face_landmark/face_landmark_front_cpu.pbtxt``
with ``refine_landmarks=False``), rebuilt in numpy and cv2:

- detection: the short-range BlazeFace (:class:`~facefilter.detect.BlazeFaceDetector`, the same
  graph) on every frame while fewer than ``max_faces`` faces are tracked, at most ``max_faces``
  detections; each gives a region of interest (ROI): the box centre, turned by the line from
  keypoint 0 to keypoint 1 (the eyes), a square of 1.5 times the box's longer side;
- landmarks: the ROI warped (bilinear, border replicated) to 192x192, RGB in [0, 1]; 468 points
  ``(x, y, z)`` in crop pixels, mapped back through the ROI; the face is kept when the sigmoid of
  the face flag is at least ``min_tracking`` (0.5);
- tracking (video mode): each face's next ROI comes from its points: their box's centre, turned
  by the line from point 33 to point 263 (the outer eye corners), a square of 1.5 times the box's
  longer side. A detection ROI overlapping a tracked one (IoU > 0.5) is dropped.

Coordinates: pixels with the origin at the centre of the top-left pixel (MediaPipe's
normalised coordinates times the frame size, minus 0.5); ``z`` in the same pixel scale, relative
to the face (MediaPipe's ``z`` times the frame width), smaller toward the camera.

``python -m facefilter.bench.facemesh68 --compare`` compares it with the legacy solution (where
mediapipe 0.10.x is installed) and with the 300-W annotations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from facefilter.detect.base import check_frame

MESH_MODEL = "face_landmark.tflite"
INPUT = 192  # the landmark model's square input, px
N_MESH = 468
ROI_SCALE = 1.5
TRACK_EYES = (33, 263)  # the outer eye corners: the tracked ROI's rotation
DETECT_EYES = (0, 1)  # BlazeFace keypoints: the detection ROI's rotation
ASSOCIATION_IOU = 0.5


def mesh_model_path() -> Path:
    """Path of the shipped ``face_landmark.tflite``."""
    path = Path(str(resources.files("facefilter.bench").joinpath("models", MESH_MODEL)))
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the Face Mesh model is missing from the facefilter package")
    return path


@dataclass(frozen=True)
class Roi:
    """A square region of interest: centre ``(cx, cy)`` and side in continuous pixel coordinates
    (pixel ``i`` spans ``[i, i + 1]``, MediaPipe's normalised coordinates times the frame size),
    ``angle`` in radians (clockwise on screen, y down) turning the crop upright."""

    cx: float
    cy: float
    side: float
    angle: float

    def iou(self, other: Roi) -> float:
        """IoU of the two squares as axis-aligned boxes (as MediaPipe's association: rotation ignored)."""
        h1, h2 = self.side / 2, other.side / 2
        w = min(self.cx + h1, other.cx + h2) - max(self.cx - h1, other.cx - h2)
        h = min(self.cy + h1, other.cy + h2) - max(self.cy - h1, other.cy - h2)
        inter = max(w, 0.0) * max(h, 0.0)
        union = self.side**2 + other.side**2 - inter
        return inter / union if union > 0 else 0.0


def _normalize_radians(a: float) -> float:
    return a - 2 * math.pi * math.floor((a + math.pi) / (2 * math.pi))


def roi_from(box: tuple[float, float, float, float], start: np.ndarray, end: np.ndarray) -> Roi:
    """ROI of an axis-aligned box ``(x0, y0, x1, y1)`` turned by the line ``start`` -> ``end``
    (continuous pixel coordinates): square, ``ROI_SCALE`` times the box's longer side."""
    x0, y0, x1, y1 = box
    angle = _normalize_radians(-math.atan2(-(float(end[1]) - float(start[1])), float(end[0]) - float(start[0])))
    return Roi((x0 + x1) / 2, (y0 + y1) / 2, ROI_SCALE * max(x1 - x0, y1 - y0), angle)


def roi_matrix(roi: Roi) -> np.ndarray:
    """``(2, 3)`` affine map from crop pixels (``INPUT`` x ``INPUT``) to frame coordinates."""
    c, s = math.cos(roi.angle), math.sin(roi.angle)
    k = roi.side / INPUT
    rot = np.array([[c, -s], [s, c]]) * k
    centre = np.array([roi.cx, roi.cy]) - rot @ np.array([INPUT / 2, INPUT / 2])
    return np.concatenate([rot, centre[:, None]], axis=1)


class FaceMeshReference:
    """Face Mesh (468 points per face) on BGR frames, as the legacy solution ran it (module doc).

    ``process(frame_bgr)`` -> list of ``(468, 3)`` float32 arrays: x, y in frame pixels (origin at
    the centre of the top-left pixel), z in the same scale. ``static``: every frame is a still
    image (detection every time, no tracking). Not thread-safe; :meth:`close` (or ``with``) frees it.
    """

    def __init__(self, max_faces: int = 4, static: bool = False, min_detection: float = 0.5,
                 min_tracking: float = 0.5, threads: int = 1) -> None:
        from ai_edge_litert.interpreter import Interpreter

        from facefilter.detect.blazeface import BlazeFaceDetector, BlazeFaceModel

        if max_faces < 1:
            raise ValueError(f"max_faces must be >= 1, got {max_faces}")
        self.max_faces, self.static, self.min_tracking = max_faces, static, min_tracking
        self._detector = BlazeFaceDetector(BlazeFaceModel.SHORT, min_detection, map_boxes=False, threads=threads)
        self._mesh = Interpreter(model_path=str(mesh_model_path()), num_threads=threads)
        self._mesh.allocate_tensors()
        self._input = self._mesh.get_input_details()[0]["index"]
        outs = {int(np.prod(o["shape"])): o["index"] for o in self._mesh.get_output_details()}
        self._points_out, self._flag_out = outs[N_MESH * 3], outs[1]
        self._tracked: list[Roi] = []
        self.detections_run = 0

    def reset(self) -> None:
        """Forget the tracked faces (the next frame is detected from scratch)."""
        self._tracked = []

    def rois(self, rgb: np.ndarray) -> list[Roi]:
        """This frame's ROIs: detections (when fewer than ``max_faces`` are tracked) not overlapping
        a tracked face, then the tracked faces."""
        tracked = [] if self.static else self._tracked
        out: list[Roi] = []
        if len(tracked) < self.max_faces:
            self.detections_run += 1
            for row in self._detector.raw_detections(rgb, "short")[: self.max_faces]:
                x0, y0, x1, y1 = (float(v) + 0.5 for v in row[1:5])  # continuous coordinates
                kps = row[5:].reshape(6, 2) + 0.5
                out.append(roi_from((x0, y0, x1, y1), kps[DETECT_EYES[0]], kps[DETECT_EYES[1]]))
        merged: list[Roi] = []
        for roi in out + tracked:  # a later ROI replaces an earlier one it overlaps (tracked ones last)
            merged = [r for r in merged if r.iou(roi) <= ASSOCIATION_IOU] + [roi]
        return merged

    def landmarks(self, rgb: np.ndarray, roi: Roi) -> np.ndarray | None:
        """The ``(468, 3)`` points (continuous pixel coordinates) of the face in ``roi``, or None
        when the model's face flag says there is none."""
        crop = cv2.warpAffine(rgb, roi_matrix(roi), (INPUT, INPUT),
                              flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
        self._mesh.set_tensor(self._input, (crop.astype(np.float32) * (1 / 255))[None])
        self._mesh.invoke()
        flag = float(self._mesh.get_tensor(self._flag_out).reshape(-1)[0])
        if 1.0 / (1.0 + math.exp(-flag)) < self.min_tracking:
            return None
        raw = self._mesh.get_tensor(self._points_out).reshape(N_MESH, 3).astype(np.float64) / INPUT
        c, s = math.cos(roi.angle), math.sin(roi.angle)
        x, y = raw[:, 0] - 0.5, raw[:, 1] - 0.5
        out = np.empty((N_MESH, 3))
        out[:, 0] = roi.cx + (c * x - s * y) * roi.side
        out[:, 1] = roi.cy + (s * x + c * y) * roi.side
        out[:, 2] = raw[:, 2] * roi.side
        return out

    def process(self, frame_bgr: np.ndarray) -> list[np.ndarray]:
        """Every face's ``(468, 3)`` float32 mesh (see the class doc)."""
        check_frame(frame_bgr)
        rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
        meshes, tracked = [], []
        for roi in self.rois(rgb):
            pts = self.landmarks(rgb, roi)
            if pts is None:
                continue
            lo, hi = pts[:, :2].min(0), pts[:, :2].max(0)
            tracked.append(roi_from((lo[0], lo[1], hi[0], hi[1]), pts[TRACK_EYES[0], :2], pts[TRACK_EYES[1], :2]))
            out = pts.astype(np.float32)
            out[:, :2] -= 0.5  # pixel centres at integers
            meshes.append(out)
        self._tracked = tracked
        return meshes

    def close(self) -> None:
        self._detector.close()
        self._mesh = None  # type: ignore[assignment]

    def __enter__(self) -> FaceMeshReference:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def legacy_meshes(mesh: object, frame_bgr: np.ndarray) -> list[np.ndarray]:
    """The legacy solution's ``(468, 3)`` meshes (same conventions as :class:`FaceMeshReference`)."""
    h, w = frame_bgr.shape[:2]
    res = mesh.process(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB))  # type: ignore[attr-defined]
    return [np.array([[p.x * w - 0.5, p.y * h - 0.5, p.z * w] for p in lms.landmark], np.float32)
            for lms in res.multi_face_landmarks or []]
