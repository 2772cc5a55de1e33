"""Accuracy of tracked points while faces move: NME still / moving / fastest quarter, lag, shake.

Used by ``facefilter-bench pipeline``. Inputs are per-frame predictions (lists of ``(68, 2)``
frame pixels, any order) and the clip's true points ``(T, F, 68, 2)``; predictions are matched to
true faces per frame (nearest centre within half the true inter-ocular distance, as
:func:`facefilter.bench.pipeline.score` does). Every figure is in % of the true inter-ocular
(outer-eye-corner) distance (IOD) of that face in that frame.

- ``nme_still`` / ``nme_moving``: mean NME before / after the motion starts.
- ``nme_fast``: mean NME over the fastest quarter of the moving face-frames (speed: the true
  points' mean speed, IOD per second, central differences).
- ``lag``: signed error along the motion: per point ``-dot(error, velocity)``, summed over the
  points and divided by the sum of their speeds (so fast points weigh more), mean over the
  moving face-frames. Positive = the points are behind the face, negative = ahead. A constant bias
  of the network averages out as the motion turns back and forth.
- ``shake``: mean length of the second difference in time of each point's error while moving
  (``e[t+1] - 2 e[t] + e[t-1]``): frame-to-frame wobble that a smooth lag does not have.
- ``jitter``: still part, frames ``JITTER_SKIP`` on: std over time of each point's error.
- ``misses``: face-frames with no matched prediction (count; ``miss`` is the percentage).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from facefilter.types import OUTER_EYE_CORNERS

JITTER_SKIP = 10  # frames of the still part left out of the jitter (the tracker starts up)
FAST_QUANTILE = 0.75  # the fastest quarter of the moving face-frames


@dataclass(frozen=True)
class MotionScores:
    """Figures of one pipeline on one clip (see the module docstring; % IOD unless named)."""

    nme: float
    nme_still: float
    nme_moving: float
    nme_fast: float
    lag: float
    lag_fast: float
    shake: float
    jitter: float
    misses: int
    miss: float  # % of face-frames
    id_switches: int  # -1 without ids
    speed_fast: float  # IOD/s from which a face-frame counts as fast


def match(results: Sequence[tuple], truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per true face and frame, the nearest prediction within half its IOD.

    ``results[t]`` starts with (list of ``(68, 2)`` predictions, list of their ids or ``[]``).
    Returns float64 ``(T, F, 68, 2)`` matched points (NaN where none) and int ``(T, F)`` ids
    (the prediction's id, its index without ids, -1 where none).
    """
    truth = _check_truth(truth)
    n_frames, n_faces = truth.shape[:2]
    if len(results) < n_frames:
        raise ValueError(f"results hold {len(results)} frames, the truth {n_frames}")
    a, b = OUTER_EYE_CORNERS
    out = np.full(truth.shape, np.nan)
    who = np.full((n_frames, n_faces), -1)
    for t in range(n_frames):
        preds = [np.asarray(p, np.float64).reshape(68, 2) for p in results[t][0]]
        ids = list(results[t][1])
        if not preds:
            continue
        centres = np.stack([p.mean(0) for p in preds])
        for k in range(n_faces):
            gt = truth[t, k]
            d = np.linalg.norm(centres - gt.mean(0), axis=1)
            j = int(np.argmin(d))
            if d[j] < 0.5 * float(np.linalg.norm(gt[a] - gt[b])):
                out[t, k] = preds[j]
                who[t, k] = ids[j] if ids else j
    return out, who


def motion_scores(results: Sequence[tuple], truth: np.ndarray, still_frames: int, fps: float) -> MotionScores:
    """Score one pipeline's per-frame ``results`` (see :func:`match`) against ``truth``.

    ``still_frames``: frames before the motion starts; ``fps``: the clip's frame rate (speeds).
    """
    truth = _check_truth(truth)
    pred, who = match(results, truth)
    has_ids = any(len(r[1]) for r in results)
    a, b = OUTER_EYE_CORNERS
    iod = np.linalg.norm(truth[:, :, a] - truth[:, :, b], axis=-1)  # (T, F)
    err = (pred - truth) / iod[..., None, None]  # (T, F, 68, 2) in IOD
    nme = np.linalg.norm(err, axis=-1).mean(-1)  # (T, F), NaN where missed
    n_frames = len(truth)

    vel = np.full(truth.shape, np.nan)  # true point velocity, px per frame (central differences)
    vel[1:-1] = (truth[2:] - truth[:-2]) / 2
    speed = np.linalg.norm(vel, axis=-1)  # (T, F, 68)
    face_speed = speed.mean(-1) / iod * fps  # IOD/s; NaN on the first and last frame
    moving = np.zeros((n_frames, 1), bool)
    moving[still_frames:] = True
    moving = moving & np.isfinite(face_speed)
    moving_speeds = face_speed[moving]
    fast_from = float(np.quantile(moving_speeds, FAST_QUANTILE)) if moving_speeds.size else float("nan")
    fast = moving & (face_speed >= fast_from)

    with np.errstate(invalid="ignore", divide="ignore"):
        along = -(err * vel).sum(-1).sum(-1) / speed.sum(-1)  # (T, F): error along the motion, IOD
    along[~np.isfinite(along)] = np.nan

    d2 = np.full(err.shape[:2], np.nan)
    d2[1:-1] = np.linalg.norm(err[2:] - 2 * err[1:-1] + err[:-2], axis=-1).mean(-1)
    still = err[JITTER_SKIP:still_frames]
    jitter = float(np.nanmean(np.nanstd(still, axis=0))) if still_frames > JITTER_SKIP + 1 else float("nan")
    switches = sum(int(np.count_nonzero(np.diff(who[:, k][who[:, k] >= 0]))) for k in range(truth.shape[1]))
    missed = ~np.isfinite(nme)
    return MotionScores(
        nme=_pct(nme),
        nme_still=_pct(nme[:still_frames]),
        nme_moving=_pct(nme[still_frames:]),
        nme_fast=_pct(nme[fast]),
        lag=_pct(along[moving]),
        lag_fast=_pct(along[fast]),
        shake=_pct(d2[still_frames:]),
        jitter=jitter * 100,
        misses=int(missed.sum()),
        miss=float(missed.mean()) * 100,
        id_switches=switches if has_ids else -1,
        speed_fast=fast_from,
    )


def _pct(values: np.ndarray) -> float:
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    return float(v.mean()) * 100 if v.size else float("nan")


def _check_truth(truth: np.ndarray) -> np.ndarray:
    truth = np.asarray(truth, np.float64)
    if truth.ndim != 4 or truth.shape[2:] != (68, 2):
        raise ValueError(f"truth must be (frames, faces, 68, 2), got shape {truth.shape}")
    return truth


def true_box_results(clip: str, truth: np.ndarray, opts: dict[str, object]) -> list[tuple]:
    """The network alone on every frame of ``clip``, cropped from each face's true points.

    The crop is the one the tracker would make if its points were the truth: the tight box of the
    true points turned upright by their eye-line roll (:func:`facefilter.tracker.upright_box`),
    with that roll. Same network, backend and precision as ``ours`` (``opts`` of the benchmark).
    Returns per-frame ``(list of (68, 2) points, [])`` for :func:`motion_scores`.
    """
    from facefilter.capture import VideoFileSource
    from facefilter.landmarks import LandmarkModel
    from facefilter.tracker import eye_roll, upright_box

    truth = _check_truth(truth)
    model = LandmarkModel.load_single(opts.get("weights"), device=opts.get("device"))  # type: ignore[arg-type]
    model.flip_test = bool(opts.get("flip_test"))
    if opts.get("backend", "onnx") == "onnx":
        from facefilter.landmarks.onnx import use_onnx

        use_onnx(model, threads=1, precision=str(opts.get("precision", "int8")))
    src = VideoFileSource(clip)
    out: list[tuple] = []
    try:
        for gt in truth:
            frame = src.read()
            if frame is None:
                raise ValueError(f"{clip}: ended after {len(out)} frames, the truth has {len(truth)}")
            rolls = np.array([eye_roll(p) for p in gt])
            boxes = np.stack([upright_box(p, r) for p, r in zip(gt, rolls, strict=True)])
            out.append((list(model.predict(frame, boxes, rolls)), []))
    finally:
        src.close()
    return out


def format_scores(name: str, s: MotionScores) -> str:
    """One printed line of :class:`MotionScores`."""
    return (f"  {name:9s} NME still {s.nme_still:.2f} moving {s.nme_moving:.2f} fast {s.nme_fast:.2f}  "
            f"lag {s.lag:+.2f} (fast {s.lag_fast:+.2f})  shake {s.shake:.3f}  jitter {s.jitter:.3f}  "
            f"misses {s.misses}  (% IOD; fast: >= {s.speed_fast:.1f} IOD/s)")


TABLE_HEAD = ("| clip | pipeline | FPS | NME still | moving | fastest 1/4 | lag (fast) | shake | still jitter "
              "| misses |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")


def table_row(clip: str, name: str, s: MotionScores, fps: float | None) -> str:
    """One Markdown row of the summary table (``fps`` None: not timed, e.g. the true-box reference)."""
    f = "-" if fps is None else f"{fps:.1f}"
    return (f"| {clip} | {name} | {f} | {s.nme_still:.2f} | {s.nme_moving:.2f} | {s.nme_fast:.2f} | "
            f"{s.lag:+.2f} ({s.lag_fast:+.2f}) | {s.shake:.3f} | {s.jitter:.3f} | {s.misses} |")
