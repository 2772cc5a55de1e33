"""Frames in, tracked faces out: detection, landmarks, ids and smoothing. No Qt here.

:class:`FaceTracker` finds faces with a detector, then follows each one by cropping the next
frame around its previous landmarks (turned upright by the eye-line roll) moved on by the face's
motion, measured by sparse optical flow (:mod:`facefilter.landmarks.motion`), re-detecting every
``redetect_interval`` frames, right after a face is lost, and on every frame while no face is
tracked. Ids are stable while a face is tracked. Each face's head pose is fitted to its
smoothed points (warm-started from the track's last pose) and smoothed on the track
(:class:`PoseSmoother`). Frames are HxWx3 uint8 BGR; points are frame pixels.
"""

from __future__ import annotations

import logging
import math
import time
import weakref
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import cv2
import numpy as np

from facefilter.detect.base import Detection, FaceDetector, check_frame
from facefilter.landmarks.motion import IDENTITY, apply_motion, estimate_motion, motion_scale_roll, velocity_motion
from facefilter.landmarks.smoothing import LandmarkSmoother, SmoothingConfig, inter_ocular
from facefilter.pose import MEAN_FACE_3D, estimate_pose
from facefilter.types import EYE_L, EYE_R, Box, Face, HeadPose

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import torch

    from facefilter.landmarks import LandmarkModel
    from facefilter.landmarks.faceness import FacenessModel


@dataclass(frozen=True)
class TrackerConfig:
    """Tracking options.

    ``max_faces``: faces tracked at once (10 covers a group selfie; when more are found, the largest
    start tracks first: detections are taken by size, not score). ``redetect_interval``: frames
    between detector runs while faces are tracked (1 = detect every frame). ``match_iou``: IoU
    between a detection's landmark box and a track's box to call them the same face; below
    ``reinit_iou``, or when the rolls differ by more than ``reinit_roll`` degrees, on
    ``reinit_rounds`` detector runs in a row, the track is re-cropped from the detection (it
    drifted; one disagreeing run is more often the detector's noise on a small face than a drift). A
    detection that matches no track but covers more than ``new_face_overlap`` of a tracked face's
    box (or of its own) starts no new track: it is a second box on a face already followed
    (BlazeFace adds large false boxes around small faces). ``max_roll`` (deg) bounds the crop's
    roll. ``max_missed``: detector runs in a row that may miss a track before it is dropped.
    ``min_iod``: smallest inter-ocular distance (px) kept. ``max_scale_change``: largest per-frame
    size ratio before a track counts as lost. ``crop_slack``: the crop follows a tracked face only
    once the face's box centre is more than this fraction of the box side away from it (size:
    ``crop_slack`` in log scale, roll: ``100 * crop_slack`` degrees); a still face is then cropped
    identically every frame, which stops the network's small biases from walking the crop (and the
    points) around. ``optical_flow``: before the network runs, each tracked face's motion since the
    last frame is measured by sparse optical flow on its points
    (:func:`facefilter.landmarks.motion.estimate_motion`, ~0.5 ms a face); last frame's crop is
    moved with the face (no crop lag, and the crop keeps its place on the face instead of walking
    with the network's biases), and the smoothed points are carried along before filtering (the One
    Euro filter then smooths shape and noise, not the motion). ``motion_prediction``: where the flow
    is unsure (or off), the crop is moved on by this times the points' last per-frame motion
    (constant velocity; 0 turns it off). ``recrop_distance``: a face whose new points' box lies
    further than this fraction of the crop side from its crop (or differs that much in size) is
    cropped again from those points in the same frame. ``refine_detections``: a face cropped from a
    detection gets a second pass cropped from its first points in the same frame (the mapped
    detector box is a rougher crop: measured gap to true boxes +0.49 -> +0.32 NME points).
    ``use_roll``: crop tracked faces upright. ``flip_test``: the landmark model's flip averaging
    (None leaves the model as it is). ``backend``: ``"auto"`` runs the network with ONNX Runtime
    when the tracker loads the model itself onto the CPU, ``"onnx"`` always on the CPU, ``"torch"``
    never (same results within 1e-4 px; ONNX Runtime is ~1.8x faster on the CPU). ``precision``:
    ``"int8"`` runs the quantised graph shipped beside the weights on ONNX Runtime (~4x faster than
    fp32 on the CPU; validation NME +0.02 points), ``"fp32"`` the exact network; int8 falls back to
    fp32 when no int8 graph made from these weights exists. ``threads``: ONNX Runtime threads for
    the network (1 leaves the other cores to capture, detection and the GUI; with 2 threads on a
    busy 2-core CPU a frame took 40x longer). ``focal``: the camera's focal length in pixels for
    head poses (None: the frame's longer side, see :func:`facefilter.pose.default_camera`).

    Face-ness (:mod:`facefilter.landmarks.faceness`: a tiny classifier on the upright grey crop
    around the face's points, 0.2-1 ms a face measured here): ``faceness`` runs it (``None``: when the landmark
    model was loaded from weights, i.e. the shipped or a trained network; a stand-in model without
    weights, as in tests on synthetic frames, leaves it off). A detection whose first points' crop
    scores below ``faceness_birth`` starts no track (a detector's false box on a hand, a fruit, a
    dark patch); a followed face's score is smoothed (``faceness_smoothing``: weight of the newest
    score in an exponential average) and the track is dropped once that falls below
    ``faceness_keep`` (what it follows stopped being a face): with the defaults two checks of clear
    non-face crops (scores under ~0.2; four frames) drop it, one odd check of a real face (a blink,
    a hand passing) never does. The birth bar is high (0.9) because a real face scores ~1 on nearly every
    frame, while a hand that BlazeFace takes for a face often scores 0.5-0.9 (real-dev,
    leave-clip-out: see models/README.md, "Face-ness"). ``faceness_every``: frames between checks
    of followed faces (1: every frame; a new track is always checked; 2 halves the check's ~3% of
    a one-face frame's time on the CPU). ``faceness_model``: the
    ONNX file (None: the shipped ``faceness.onnx``).

    Small faces: BlazeFace sees the whole frame at 128 (short range) or 192 px (full range), so a
    40-60 px face in an 800 px photo is a few pixels to it. ``detect_tiles`` (n) also runs the
    detector on an n x n grid of overlapping tiles (a quarter of a tile's side overlaps) and
    merges what it finds with the whole frame's detections (0 or 1: whole frame only; None: 2 for
    a :class:`~facefilter.detect.blazeface.BlazeFaceDetector`, 0 for other detectors). The first
    detector run after :meth:`FaceTracker.reset` (a new source, a photo) looks at every tile;
    later runs, only while a face is in sight (tracked, or found on the whole frame), at one tile
    in turn every ``tile_every``-th run, so a small face joins a group within ``n * n *
    tile_every`` detector runs (4 s at 30 fps with the defaults), and a frame with no face pays
    nothing for the tiles (measured: one tile every run cost a one-face clip ~4% of its frame
    time, every 3rd run ~1%).
    """

    max_faces: int = 10
    redetect_interval: int = 10
    match_iou: float = 0.3
    reinit_iou: float = 0.5
    reinit_roll: float = 20.0
    reinit_rounds: int = 2
    new_face_overlap: float = 0.5
    max_roll: float = 50.0
    max_missed: int = 1
    min_iod: float = 6.0
    max_scale_change: float = 1.5
    crop_slack: float = 0.03
    motion_prediction: float = 1.0
    optical_flow: bool = True
    recrop_distance: float = 0.1
    refine_detections: bool = True
    use_roll: bool = True
    flip_test: bool | None = False
    backend: str = "auto"
    precision: str = "int8"
    threads: int = 1
    smoothing: SmoothingConfig = field(default_factory=SmoothingConfig)
    focal: float | None = None
    faceness: bool | None = None
    faceness_birth: float = 0.9
    faceness_keep: float = 0.6
    faceness_smoothing: float = 0.3
    faceness_every: int = 2
    faceness_model: str | None = None
    detect_tiles: int | None = None
    tile_every: int = 3

    def __post_init__(self) -> None:
        if self.backend not in ("auto", "onnx", "torch"):
            raise ValueError(f"backend must be 'auto', 'onnx' or 'torch', got {self.backend!r}")
        if self.precision not in ("int8", "fp32"):
            raise ValueError(f"precision must be 'int8' or 'fp32', got {self.precision!r}")
        if self.max_faces < 1 or self.redetect_interval < 1:
            raise ValueError(f"max_faces and redetect_interval must be >= 1, got {self.max_faces}, "
                             f"{self.redetect_interval}")
        if self.reinit_rounds < 1 or self.recrop_distance <= 0 or not 0 < self.new_face_overlap <= 1:
            raise ValueError(f"need reinit_rounds >= 1, recrop_distance > 0 and 0 < new_face_overlap <= 1, got "
                             f"{self.reinit_rounds}, {self.recrop_distance}, {self.new_face_overlap}")
        if not (0 <= self.faceness_keep <= 1 and 0 <= self.faceness_birth <= 1 and 0 < self.faceness_smoothing <= 1
                and self.faceness_every >= 1):
            raise ValueError(f"need faceness_birth and faceness_keep in [0, 1], 0 < faceness_smoothing <= 1 and "
                             f"faceness_every >= 1, got {self.faceness_birth}, {self.faceness_keep}, "
                             f"{self.faceness_smoothing}, {self.faceness_every}")
        if (self.detect_tiles is not None and self.detect_tiles < 0) or self.tile_every < 1:
            raise ValueError(f"need detect_tiles >= 0 and tile_every >= 1, got {self.detect_tiles}, "
                             f"{self.tile_every}")
        if self.focal is not None and not (math.isfinite(self.focal) and self.focal > 0):
            raise ValueError(f"focal must be None or a positive number of pixels, got {self.focal!r}")


def eye_roll(points: np.ndarray) -> float:
    """Roll in degrees of ``(68, 2)`` points: ``atan2`` of the line from the right-eye centre
    (image left) to the left-eye centre, y down (positive = face turned clockwise on screen)."""
    d = np.asarray(points)[list(EYE_L)].mean(0) - np.asarray(points)[list(EYE_R)].mean(0)
    return math.degrees(math.atan2(float(d[1]), float(d[0])))


def upright_box(points: np.ndarray, roll_deg: float) -> np.ndarray:
    """``(4,)`` box ``(left, top, width, height)`` for :meth:`LandmarkModel.predict` with ``angles=roll``.

    Its centre is the centre of the tight box of the points turned upright (by ``-roll``), in
    image pixels, and its size is that upright box's size: the crop the model was trained on.
    """
    pts = np.asarray(points, dtype=np.float64)
    a = math.radians(roll_deg)
    rot = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])  # turns the face upright
    up = pts @ rot.T
    lo, hi = up.min(0), up.max(0)
    center = ((lo + hi) / 2.0) @ rot  # back to image pixels (rot is orthonormal)
    w, h = hi - lo
    return np.array([center[0] - w / 2, center[1] - h / 2, w, h])


def _close_all(resources: list[object]) -> None:
    """Close each resource that has a ``close()`` (a tracker's finalizer; must not hold the tracker)."""
    for r in resources:
        close = getattr(r, "close", None)
        if callable(close):
            close()
    resources.clear()


_EX_EX_MM = float(np.linalg.norm(MEAN_FACE_3D[36] - MEAN_FACE_3D[45]))


class _OneEuro3:
    """:class:`~facefilter.landmarks.smoothing.OneEuroFilter` of one 3-vector (a single point of
    three coordinates), the same arithmetic in Python floats: ~10x less time than numpy on 3 values."""

    def __init__(self, min_cutoff: float, beta: float, d_cutoff: float) -> None:
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self._x: list[float] | None = None
        self._dx = [0.0, 0.0, 0.0]
        self._t = 0.0

    def __call__(self, x: list[float], t: float, scale: float = 1.0) -> list[float]:
        if self._x is None:
            self._x, self._dx, self._t = list(x), [0.0, 0.0, 0.0], t
            return list(x)
        dt = t - self._t
        if dt <= 0:
            return list(self._x)
        self._t = t
        ad = 1.0 / (1.0 + 1.0 / (2.0 * math.pi * self.d_cutoff * dt))
        prev, dx = self._x, self._dx
        dx = [d + ad * ((xi - pi) / dt - d) for xi, pi, d in zip(x, prev, dx, strict=True)]
        speed = math.sqrt(dx[0] * dx[0] + dx[1] * dx[1] + dx[2] * dx[2]) / max(scale, 1e-6)
        a = 1.0 / (1.0 + 1.0 / (2.0 * math.pi * (self.min_cutoff + self.beta * speed) * dt))
        self._dx = dx
        self._x = [pi + a * (xi - pi) for xi, pi in zip(x, prev, strict=True)]
        return list(self._x)


class PoseSmoother:
    """One Euro filtering of a track's head pose, with the landmarks' :class:`SmoothingConfig`.

    Yaw, pitch and roll are filtered in radians (speed in rad/s: 1 rad/s moves a point one
    radius a second, as the landmarks' speed is in inter-ocular distances a second), the
    translation in mm with the mean face's outer-eye-corner width as its unit. Angles are
    unwrapped against the filtered ones, so a pose never swings the long way round through 0.
    ``enabled=False`` passes poses through.
    """

    def __init__(self, config: SmoothingConfig) -> None:
        self.config = config
        c = config
        self._angles = _OneEuro3(c.min_cutoff, c.beta, c.d_cutoff)
        self._tvec = _OneEuro3(c.min_cutoff, c.beta, c.d_cutoff)
        self._last: list[float] | None = None

    def __call__(self, pose: HeadPose, t: float) -> HeadPose:
        """The smoothed pose for ``pose`` seen at time ``t`` (s)."""
        if not self.config.enabled:
            return pose
        angles = [math.radians(pose.yaw), math.radians(pose.pitch), math.radians(pose.roll)]
        if self._last is not None:
            tau = 2 * math.pi
            angles = [last + (a - last + math.pi) % tau - math.pi for a, last in zip(angles, self._last, strict=True)]
        self._last = self._angles(angles, t, 1.0)
        tvec = self._tvec([float(v) for v in pose.tvec], t, _EX_EX_MM)
        yaw, pitch, roll = (math.degrees(a) for a in self._last)
        return HeadPose.from_angles(yaw, pitch, roll, np.array(tvec), pose.focal, pose.center)


@dataclass
class _Track:
    id: int
    raw: np.ndarray
    smoothed: np.ndarray
    score: float
    smoother: LandmarkSmoother
    missed: int = 0
    disagreed: int = 0  # detector runs in a row whose matched box says the track drifted
    anchor: tuple[np.ndarray, float] | None = None  # (box, roll) from a detection: crop there next
    crop: tuple[np.ndarray, float, float] | None = None  # last crop: (centre, side, roll)
    prev_raw: np.ndarray | None = None  # raw points of the frame before ``raw``'s
    motion: np.ndarray | None = None  # 2x3: the face's motion since the last frame (measured or predicted)
    measured: bool = False  # ``motion`` came from optical flow
    pose_smoother: PoseSmoother | None = None
    raw_pose: HeadPose | None = None  # fitted to the smoothed points: the next frame's warm start
    pose: HeadPose | None = None  # raw_pose smoothed
    face_score: float | None = None  # smoothed face-ness; None until first checked (a new track)

    def box(self) -> Box:
        return Box.from_points(self.raw)


def _overlap(a: Box, b: Box) -> float:
    """Intersection of two boxes over the smaller one's area (1: one lies inside the other)."""
    ix = max(0.0, min(a.right, b.right) - max(a.left, b.left))
    iy = max(0.0, min(a.bottom, b.bottom) - max(a.top, b.top))
    smaller = min(a.width * a.height, b.width * b.height)
    return ix * iy / smaller if smaller > 0 else 0.0


def tile_grid(height: int, width: int, n: int, overlap: float = 0.25) -> list[tuple[int, int, int, int]]:
    """``n`` x ``n`` tiles ``(x0, y0, x1, y1)`` (pixels, end exclusive) covering a ``width`` x ``height``
    frame, neighbours overlapping by ``overlap`` of a tile's side; row by row from the top left."""
    tw, th = width / (n - overlap * (n - 1)), height / (n - overlap * (n - 1))
    return [(round(j * (1 - overlap) * tw), round(i * (1 - overlap) * th),
             min(width, round(j * (1 - overlap) * tw + tw)), min(height, round(i * (1 - overlap) * th + th)))
            for i in range(n) for j in range(n)]


def shift_detection(d: Detection, dx: float, dy: float) -> Detection:
    """``d`` found in a tile whose top-left corner is ``(dx, dy)`` in the frame, in frame pixels."""
    def move(b: Box) -> Box:
        return Box(b.left + dx, b.top + dy, b.width, b.height)

    return replace(d, box=move(d.box), landmark_box=None if d.landmark_box is None else move(d.landmark_box),
                   keypoints=None if d.keypoints is None else d.keypoints + np.float32([dx, dy]))


def _slack(value: float, target: float, band: float) -> float:
    """Move ``value`` towards ``target`` only as far as needed to be within ``band`` of it."""
    d = target - value
    return value if abs(d) <= band else value + d - math.copysign(band, d)


class FaceTracker:
    """Up to ``max_faces`` faces with stable ids and smoothed 68-point landmarks.

    ``model``: a :class:`~facefilter.landmarks.LandmarkModel` (``None``: the shipped weights on
    ``device``, CUDA when present else CPU). ``detector``: any :class:`FaceDetector`
    (``None``: MediaPipe BlazeFace). ``smoothing``: True, False or a :class:`SmoothingConfig`.
    ``config`` holds the other options; ``max_faces`` (default 10) overrides its field.
    """

    def __init__(
        self,
        model: LandmarkModel | None = None,
        detector: FaceDetector | None = None,
        max_faces: int | None = None,
        smoothing: bool | SmoothingConfig = True,
        device: str | torch.device | None = None,
        *,
        config: TrackerConfig | None = None,
    ) -> None:
        cfg = config or TrackerConfig()
        if isinstance(smoothing, SmoothingConfig):
            smooth_cfg = smoothing
        else:
            smooth_cfg = replace(cfg.smoothing, enabled=bool(smoothing) and cfg.smoothing.enabled)
        self.config = replace(cfg, max_faces=max_faces or cfg.max_faces, smoothing=smooth_cfg)
        own_model = model is None
        if model is None:
            from facefilter.landmarks import LandmarkModel

            model = LandmarkModel.load_single(device=device)  # real time: one network, one crop
        if self.config.backend == "onnx" or (self.config.backend == "auto" and own_model):
            from facefilter.landmarks.onnx import use_onnx

            use_onnx(model, threads=self.config.threads, precision=self.config.precision)
        if self.config.flip_test is not None:
            model.flip_test = self.config.flip_test
        own_detector = detector is None
        if detector is None:
            from facefilter.detect.blazeface import BlazeFaceDetector

            detector = BlazeFaceDetector()
        self.model = model
        self.detector = detector
        if self.config.detect_tiles is None:
            from facefilter.detect.blazeface import BlazeFaceDetector

            self.config = replace(self.config, detect_tiles=2 if isinstance(detector, BlazeFaceDetector) else 0)
        self.faceness: FacenessModel | None = None
        if cfg.faceness or (cfg.faceness is None and getattr(model, "source", None) is not None):
            from facefilter.landmarks.faceness import FacenessModel

            try:
                self.faceness = FacenessModel(cfg.faceness_model, threads=self.config.threads)
            except FileNotFoundError as exc:
                if cfg.faceness:
                    raise
                log.warning("%s; tracking without the face-ness check", exc)
        # What this tracker made itself it also frees: on close(), on leaving a ``with`` block, or
        # when it is dropped (the finalizer holds the resources, not the tracker).
        owned = ([detector] if own_detector else []) + ([self.faceness] if self.faceness is not None else [])
        self._finalizer = weakref.finalize(self, _close_all, owned)
        self.last_timings: dict[str, float] = {}
        self.reset()

    def close(self) -> None:
        """Free the native resources this tracker made (its detector's graphs); idempotent.

        A detector or model passed in stays the caller's to close. After ``close`` the tracker
        cannot process frames.
        """
        self._finalizer()
        self._tracks = []
        self._prev_gray = None

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def __enter__(self) -> FaceTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reset(self) -> None:
        """Forget every face (the next frame is detected from scratch; ids restart at 1)."""
        self._tracks: list[_Track] = []
        self._next_id = 1
        self._since_detect = 0
        self._lost = False
        self._prev_gray: np.ndarray | None = None
        self.frames = 0
        self.detections_run = 0
        self._next_tile = 0

    @property
    def smoothing(self) -> SmoothingConfig:
        return self.config.smoothing

    def set_smoothing(self, smoothing: bool | SmoothingConfig) -> None:
        """Change smoothing on the fly (tracks keep their ids; their filters restart)."""
        cfg = smoothing if isinstance(smoothing, SmoothingConfig) else replace(self.smoothing, enabled=smoothing)
        self.config = replace(self.config, smoothing=cfg)
        for t in self._tracks:
            t.smoother = LandmarkSmoother(cfg)
            t.pose_smoother = PoseSmoother(cfg)

    def process(self, frame_bgr: np.ndarray, timestamp: float | None = None) -> list[Face]:
        """Track faces in one frame; ``timestamp`` (s) drives smoothing (default: the clock now).

        Returns one :class:`Face` per tracked face, sorted by id; ``box`` is the tight box of
        the (smoothed) landmarks, ``pose`` the smoothed head pose fitted to them (camera:
        ``config.focal``), ``extra`` holds ``roll`` (deg) and ``iod`` (px).
        """
        check_frame(frame_bgr)
        if self.closed:
            raise RuntimeError("FaceTracker.process called after close()")
        t = time.monotonic() if timestamp is None else float(timestamp)
        cfg = self.config
        t0 = time.perf_counter()
        timings = {"detect": 0.0}
        self.frames += 1
        if not self._tracks or self._lost or self._since_detect + 1 >= cfg.redetect_interval:
            td = time.perf_counter()
            self._detect(frame_bgr)
            timings["detect"] = (time.perf_counter() - td) * 1000
            self._since_detect = 0
        else:
            self._since_detect += 1
        self._lost = False

        tf = time.perf_counter()
        gray = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
        self._estimate_motions(gray)
        timings["flow"] = (time.perf_counter() - tf) * 1000
        tl = time.perf_counter()
        if self._tracks:
            boxes, angles = zip(*(self._crop_for(tr) for tr in self._tracks), strict=True)
            points = self.model.predict(gray, np.stack(boxes), np.asarray(angles) if cfg.use_roll else None)
            fresh = [i for i, tr in enumerate(self._tracks) if tr.anchor is not None and np.all(np.isfinite(points[i]))]
            if cfg.refine_detections and fresh:
                points[fresh] = self._refine(gray, [self._tracks[i] for i in fresh], points[fresh])
            far = [i for i, tr in enumerate(self._tracks) if tr.anchor is None and self._moved_far(tr, points[i])]
            if far:
                points[far] = self._refine(gray, [self._tracks[i] for i in far], points[far])
        else:
            points = np.zeros((0, 68, 2), np.float32)
        timings["landmarks"] = (time.perf_counter() - tl) * 1000

        ts = time.perf_counter()
        h, w = frame_bgr.shape[:2]
        kept: list[_Track] = []
        for tr, pts in zip(self._tracks, points, strict=True):
            if self._plausible(tr, pts, w, h):
                tr.prev_raw = tr.raw if tr.anchor is None else None
                tr.raw = pts
                if tr.measured and tr.anchor is None:
                    tr.smoother.move(tr.motion)  # filter in the face's frame: the motion itself is not delayed
                tr.anchor = None
                tr.smoothed = tr.smoother(pts, t)
                kept.append(tr)
            else:
                self._lost = True
        self._tracks = self._dedupe(kept)
        timings["smooth"] = (time.perf_counter() - ts) * 1000
        tq = time.perf_counter()
        if self.faceness is not None and self._tracks:
            self._check_faceness(gray)
        timings["faceness"] = (time.perf_counter() - tq) * 1000
        tp = time.perf_counter()
        for tr in self._tracks:
            tr.raw_pose = estimate_pose(tr.smoothed, (w, h), previous=tr.raw_pose, focal=cfg.focal)
            tr.pose = tr.pose_smoother(tr.raw_pose, t) if tr.pose_smoother is not None else tr.raw_pose
        timings["pose"] = (time.perf_counter() - tp) * 1000
        timings["track"] = (time.perf_counter() - t0) * 1000
        self._prev_gray = gray
        self.last_timings = timings
        return [self._face(tr) for tr in sorted(self._tracks, key=lambda tr: tr.id)]

    # -- steps ---------------------------------------------------------------------------------

    def _check_faceness(self, gray: np.ndarray) -> None:
        """Score the due tracks' upright crops; drop new tracks under ``faceness_birth`` and
        followed ones whose smoothed score fell under ``faceness_keep``."""
        cfg = self.config
        due = [tr for tr in self._tracks if tr.face_score is None or self.frames % cfg.faceness_every == 0]
        if not due:
            return
        rolls = np.array([eye_roll(tr.raw) for tr in due])
        boxes = np.stack([upright_box(tr.raw, r) for tr, r in zip(due, rolls, strict=True)])
        scores = self.faceness.score(gray, boxes, rolls if cfg.use_roll else None)  # type: ignore[union-attr]
        dropped: set[int] = set()
        for tr, s in zip(due, scores, strict=True):
            if tr.face_score is None:
                tr.face_score = float(s)
                if s < cfg.faceness_birth:
                    dropped.add(tr.id)
            else:
                tr.face_score += cfg.faceness_smoothing * (float(s) - tr.face_score)
                if tr.face_score < cfg.faceness_keep:
                    dropped.add(tr.id)
        if dropped:
            self._tracks = [tr for tr in self._tracks if tr.id not in dropped]

    def _estimate_motions(self, gray: np.ndarray) -> None:
        """Each followed track's motion since the last frame: optical flow, else constant velocity."""
        cfg = self.config
        prev = self._prev_gray if self._prev_gray is not None and self._prev_gray.shape == gray.shape else None
        for tr in self._tracks:
            tr.motion, tr.measured = None, False
            if tr.anchor is not None or not tr.raw.any():
                continue
            if cfg.optical_flow and prev is not None:
                tr.motion = estimate_motion(prev, gray, tr.raw)
                tr.measured = tr.motion is not None
            if tr.motion is None and cfg.motion_prediction and tr.prev_raw is not None:
                tr.motion = IDENTITY + cfg.motion_prediction * (velocity_motion(tr.prev_raw, tr.raw) - IDENTITY)

    def _moved_far(self, tr: _Track, points: np.ndarray) -> bool:
        """Do ``points`` lie so far from the crop they came from that a second crop is worth it?"""
        if tr.crop is None or not np.all(np.isfinite(points)):
            return False
        c0, s0, r0 = tr.crop
        box = upright_box(points, r0)
        d = float(np.linalg.norm(box[:2] + box[2:] / 2 - c0)) / s0
        return d > self.config.recrop_distance or abs(math.log(float(box[2:].max()) / s0)) > self.config.recrop_distance

    def _refine(self, frame: np.ndarray, tracks: list[_Track], points: np.ndarray) -> np.ndarray:
        """Second pass for faces cropped from a detection (or far from their crop): crop again from their points."""
        use_roll = self.config.use_roll
        boxes, rolls = [], []
        for tr, pts in zip(tracks, points, strict=True):
            roll = eye_roll(pts) if use_roll else 0.0
            box = upright_box(pts, roll)
            boxes.append(box)
            rolls.append(roll)
            tr.crop = (box[:2] + box[2:] / 2, float(box[2:].max()), roll)
        return self.model.predict(frame, np.stack(boxes), np.asarray(rolls) if use_roll else None)

    def _detect(self, frame: np.ndarray) -> None:
        """Match detections to tracks (greedy IoU); start tracks for new faces, age unmatched ones."""
        cfg = self.config
        self.detections_run += 1
        dets = [(d, d.crop_box().as_array().astype(np.float64), d.roll) for d in self._detect_tiled(frame)]
        det_boxes = [Box(*(float(v) for v in b)) for _, b, _ in dets]
        pairs = sorted(
            ((tb.iou(db), ti, di) for ti, tb in enumerate(tr.box() for tr in self._tracks)
             for di, db in enumerate(det_boxes)),
            reverse=True,
        )
        used_t: set[int] = set()
        used_d: set[int] = set()
        for iou, ti, di in pairs:
            if iou < cfg.match_iou:
                break
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            tr = self._tracks[ti]
            tr.missed = 0
            tr.score = dets[di][0].score
            drifted = iou < cfg.reinit_iou or (
                tr.crop is not None and abs(tr.crop[2] - dets[di][2]) > cfg.reinit_roll
            )
            tr.disagreed = tr.disagreed + 1 if drifted else 0
            if tr.disagreed >= cfg.reinit_rounds:  # start again from the detection
                tr.anchor = (dets[di][1], dets[di][2])
                tr.disagreed = 0
        survivors = []
        for ti, tr in enumerate(self._tracks):
            if ti not in used_t:
                tr.missed += 1
            if tr.missed <= cfg.max_missed:
                survivors.append(tr)
        self._tracks = survivors
        taken = [tr.box() for tr in self._tracks if tr.raw.any()] + [det_boxes[di] for di in used_d]
        new = []  # in the detector's order (best score first): a second box on a face is skipped
        for di in range(len(dets)):
            if di in used_d or any(b.iou(det_boxes[di]) >= cfg.match_iou
                                   or _overlap(b, det_boxes[di]) > cfg.new_face_overlap for b in taken):
                continue
            taken.append(det_boxes[di])
            new.append(di)
        # When max_faces cuts the list, the largest faces first (sizes in 10% steps: faces of one
        # size keep the detector's order).
        new.sort(key=lambda di: -math.floor(
            math.log(max(det_boxes[di].width * det_boxes[di].height, 1.0)) / (2 * math.log(1.1))))
        for di in new[: max(0, cfg.max_faces - len(self._tracks))]:
            det, box, roll = dets[di]
            self._tracks.append(
                _Track(self._next_id, np.zeros((68, 2), np.float32), np.zeros((68, 2), np.float32), det.score,
                       LandmarkSmoother(cfg.smoothing), anchor=(box, roll), pose_smoother=PoseSmoother(cfg.smoothing))
            )
            self._next_id += 1

    def _detect_tiled(self, frame: np.ndarray) -> list[Detection]:
        """The detector on the whole frame, then on this run's tiles (:attr:`TrackerConfig.detect_tiles`);
        a tile's detection that overlaps one already kept (the whole frame's first) is dropped."""
        found = list(self.detector.detect(frame))
        n = self.config.detect_tiles or 0
        first = self.detections_run == 1
        if n < 2 or not (first or ((found or self._tracks) and self.detections_run % self.config.tile_every == 0)):
            return found  # no face in sight (no cost), or not this run's turn
        grid = tile_grid(frame.shape[0], frame.shape[1], n)
        count = len(grid) if first else 1
        kept_boxes = [d.crop_box() for d in found]
        for k in range(count):
            x0, y0, x1, y1 = grid[(self._next_tile + k) % len(grid)]
            tile = np.ascontiguousarray(frame[y0:y1, x0:x1])
            for d in sorted(self.detector.detect(tile), key=lambda d: -d.score):
                d = shift_detection(d, x0, y0)
                b = d.crop_box()
                if all(b.iou(o) < self.config.match_iou and _overlap(b, o) <= self.config.new_face_overlap
                       for o in kept_boxes):
                    found.append(d)
                    kept_boxes.append(b)
        self._next_tile = (self._next_tile + count) % len(grid)
        return found

    def _crop_for(self, tr: _Track) -> tuple[np.ndarray, float]:
        """(box, roll) to crop ``tr`` from: its detection anchor, else its landmarks moved by the
        face's motion, with slack; a measured motion also carries last frame's crop along."""
        use_roll = self.config.use_roll
        if tr.anchor is not None:
            box, roll = np.asarray(tr.anchor[0], np.float64), (tr.anchor[1] if use_roll else 0.0)
            tr.crop = (box[:2] + box[2:] / 2, float(box[2:].max()), roll)
            return box, roll
        pts = tr.raw if tr.motion is None else apply_motion(tr.motion, tr.raw)
        roll = eye_roll(pts) if use_roll else 0.0
        box = upright_box(pts, roll)
        center, side = box[:2] + box[2:] / 2, float(box[2:].max())
        if tr.crop is not None:
            k = self.config.crop_slack
            c0, s0, r0 = tr.crop
            if tr.measured:  # the crop rides on the face
                scale, turn = motion_scale_roll(tr.motion)  # type: ignore[arg-type]
                c0, s0, r0 = apply_motion(tr.motion, c0), s0 * scale, r0 + (turn if use_roll else 0.0)  # type: ignore[arg-type]
            d = center - c0
            dist = float(np.linalg.norm(d))
            center = c0 if dist <= k * s0 else c0 + d * (1 - k * s0 / dist)
            side = float(np.exp(_slack(math.log(s0), math.log(side), k)))
            roll = _slack(r0, roll, 100 * k)
        roll = float(np.clip(roll, -self.config.max_roll, self.config.max_roll))
        tr.crop = (center, side, roll)
        return np.array([center[0] - side / 2, center[1] - side / 2, side, side]), roll

    def _plausible(self, tr: _Track, pts: np.ndarray, w: int, h: int) -> bool:
        """Finite, big enough, centred inside the frame, and not suddenly much bigger or smaller."""
        if not np.all(np.isfinite(pts)):
            return False
        iod = inter_ocular(pts)
        cx, cy = pts.mean(0)
        if iod < self.config.min_iod or not (0 <= cx < w and 0 <= cy < h):
            return False
        if tr.anchor is None and tr.raw.any():
            ratio = iod / max(inter_ocular(tr.raw), 1e-6)
            if not 1 / self.config.max_scale_change <= ratio <= self.config.max_scale_change:
                return False
        return True

    def _dedupe(self, tracks: list[_Track]) -> list[_Track]:
        """Two tracks on one face (they converged): keep the older id."""
        out: list[_Track] = []
        for tr in sorted(tracks, key=lambda tr: tr.id):
            if all(tr.box().iou(o.box()) < 0.5 for o in out):
                out.append(tr)
        return out

    def _face(self, tr: _Track) -> Face:
        pts = tr.smoothed
        return Face(Box.from_points(pts), pts.copy(), tr.id, tr.score,
                    {"roll": eye_roll(pts), "iod": inter_ocular(pts)}, tr.pose)
