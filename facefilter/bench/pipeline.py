"""``facefilter-bench pipeline``: the whole tracking pipeline on a synthetic 640x480 clip with
known landmarks, next to a MediaPipe Face Mesh pipeline as the reference.

The clip: validation faces of ``../shared/data/ibug300w-train`` (never trained on), as they come
in a seeded order, turned ones included (``--frontal-only``: only fairly frontal ones, the clips
before issue 25), pasted onto a background, still for ``--still`` seconds, then moving smoothly
(shift, roll up to +-20 deg, scale 0.8-1.2) for ``--motion`` seconds, with camera noise; written
as an MJPG AVI and decoded back frame by frame. Both pipelines run in this process, ``--rounds``
times each, alternating which goes first (as ``facefilter-bench tracker-ab``), so a slow spell of
the machine falls on both; each handles every frame in turn: decode -> detect/track -> landmarks
-> smoothing -> render. The Face Mesh reference is made by :func:`facemesh_reference` only.

Printed per clip and pipeline: FPS (median over the rounds, and ours over Face Mesh's per round,
median), per-stage ms p50/p95, NME against the known landmarks, miss rate, jitter on the still
part (std over time of each point's error, % of the inter-ocular distance, frames 10 on) and id
switches; for ours also the still part's head pose jitter (std over time of yaw, pitch and roll,
degrees). Then the CPU share at 30 fps with one face (``--cpu-frames``: process CPU time over
wall time while the frames come in real time at 30 fps; % of one core). ``--memory-frames
10000`` adds a long run of ours in a process of its own that samples its memory as it goes.

Clips: ``--faces 1,3,2@70`` (counts, ``@`` a face size in px) times ``--speeds 1,2,3`` (the
motion run faster). For each, the motion figures of :mod:`facefilter.bench.motion` (NME still /
moving / fastest quarter, lag along the motion, shake, still jitter, misses) for ours, Face Mesh
and the network alone cropped from the true points ("true boxes"), then one Markdown table.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from facefilter.bench.motion import TABLE_HEAD, format_scores, motion_scores, table_row, true_box_results
from facefilter.bench.scene import FaceSprite, background, composite, make_sprite, place
from facefilter.data import SHARED_DATA
from facefilter.types import OUTER_EYE_CORNERS

DEFAULT_DATA = SHARED_DATA / "ibug300w-train"
SIZE = (640, 480)
JITTER_SKIP = 10  # frames of the still part left out of the jitter (the tracker starts up)


@dataclass(frozen=True)
class ClipSpec:
    """What clip to build: ``faces`` people, ``still`` then ``motion`` seconds at ``fps``, noise sigma.

    ``side``: the faces' tight-box side in px (``None``: 170 for one face, 115 for more);
    ``speed``: the motion runs this many times faster (same paths, same amplitudes);
    ``frontal_only``: the faces of the clips before issue 25 (see :func:`pick_faces`).
    """

    faces: int
    still: float = 2.0
    motion: float = 8.0
    fps: float = 30.0
    noise: float = 2.0
    seed: int = 0
    side: float | None = None
    speed: float = 1.0
    frontal_only: bool = False

    @property
    def name(self) -> str:
        """Short label, e.g. ``"3 faces"``, ``"2 faces 70px 3x"``."""
        label = f"{self.faces} face{'s' * (self.faces > 1)}"
        if self.side is not None:
            label += f" {self.side:g}px"
        return label + (f" {self.speed:g}x" if self.speed != 1 else "")


def clip_specs(faces: str, speeds: str, still: float, motion: float, noise: float,
               frontal_only: bool = False, seed: int = 0) -> list[ClipSpec]:
    """The clips of ``--faces`` (``"1,3,2@70"``: counts, ``@`` a face side in px) times ``--speeds`` (``"1,2,3"``)."""
    specs = []
    for token in faces.split(","):
        count, _, side = token.strip().partition("@")
        try:
            n, px = int(count), (float(side) if side else None)
            rates = [float(v) for v in speeds.split(",")]
        except ValueError as exc:
            raise ValueError(f"--faces {faces!r} / --speeds {speeds!r}: {exc}") from None
        if n < 1 or (px is not None and px <= 0) or any(r <= 0 for r in rates):
            raise ValueError(f"--faces {faces!r} / --speeds {speeds!r}: counts, sides and speeds must be positive")
        specs += [ClipSpec(n, still, motion, noise=noise, seed=seed, side=px, speed=r, frontal_only=frontal_only)
                  for r in rates]
    return specs


FRONTAL_NOSE_OFFSET = 0.15  # --frontal-only: |nose tip x - eye-corner midpoint x| / IOD at most this


def pick_faces(data: Path, n: int, seed: int, frontal_only: bool = False) -> list[FaceSprite]:
    """``n`` validation faces (``split_indices(.., 0.1, seed=0)``) in a seeded order, as they come.

    ``frontal_only``: skip faces whose nose tip is off the eye-corner midpoint by more than
    :data:`FRONTAL_NOSE_OFFSET` of the IOD, as the clips did before issue 25 (old figures).
    """
    from facefilter.data import discover, split_indices

    records = discover(data).records
    _, val = split_indices(len(records), 0.1, seed=0)
    rng = np.random.default_rng(seed)
    sprites: list[FaceSprite] = []
    for i in rng.permutation(val):
        rec = records[int(i)]
        p = rec.points
        a, b = OUTER_EYE_CORNERS
        nose_offset = abs(p[30, 0] - (p[a, 0] + p[b, 0]) / 2) / np.linalg.norm(p[a] - p[b])
        if frontal_only and nose_offset > FRONTAL_NOSE_OFFSET:
            continue
        img = cv2.imread(str(rec.image), cv2.IMREAD_COLOR)
        if img is not None:
            sprites.append(make_sprite(img, p))
        if len(sprites) == n:
            return sprites
    raise RuntimeError(f"{data}: found only {len(sprites)} usable validation faces")


def trajectory(spec: ClipSpec, k: int, t: float) -> tuple[tuple[float, float], float, float]:
    """Face ``k``'s (centre, box side, roll deg) at time ``t`` s: still, then smooth motion."""
    n = spec.faces
    base_side = spec.side if spec.side is not None else (170.0 if n == 1 else 115.0)
    cx = SIZE[0] * (k + 1) / (n + 1)
    cy = SIZE[1] * 0.5
    m = max(0.0, t - spec.still)
    ramp = min(1.0, m / 0.5)  # ease into the motion
    m *= spec.speed
    ph = 1.7 * k
    dx = (60.0 if n == 1 else 25.0) * np.sin(2 * np.pi * m / 3.1 + ph)
    dy = 30.0 * np.sin(2 * np.pi * m / 2.3 + ph)
    roll = 20.0 * np.sin(2 * np.pi * m / 4.0 + ph)
    scale = 1.0 + 0.2 * np.sin(2 * np.pi * m / 5.0 + ph)
    return (cx + ramp * dx, cy + ramp * dy), base_side * (1 + ramp * (scale - 1)), float(ramp * roll)


def build_clip(spec: ClipSpec, data: Path, out_dir: Path) -> tuple[Path, np.ndarray]:
    """Write the clip (MJPG AVI) and return (path, ``(T, faces, 68, 2)`` true points)."""
    sprites = pick_faces(data, spec.faces, spec.seed, spec.frontal_only)
    bg = background(SIZE, spec.seed)
    rng = np.random.default_rng(spec.seed)
    n_frames = round((spec.still + spec.motion) * spec.fps)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"clip_{spec.name.replace(' ', '_')}.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), spec.fps, SIZE)
    if not writer.isOpened():
        raise RuntimeError(f"{path}: cannot write an MJPG AVI")
    truth = []
    for i in range(n_frames):
        mats = []
        for k, sp in enumerate(sprites):
            center, side, roll = trajectory(spec, k, i / spec.fps)
            mats.append(place(sp, center, side, -roll))  # cv2 angles turn counter-clockwise
        frame, pts = composite(bg, sprites, mats)
        if spec.noise > 0:
            frame = np.clip(frame + rng.normal(0, spec.noise, frame.shape), 0, 255).astype(np.uint8)
        writer.write(frame)
        truth.append(pts)
    writer.release()
    return path, np.asarray(truth, np.float32)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ReferenceUnavailable(RuntimeError):
    """The Face Mesh reference cannot run here (its package or API is missing)."""


def facemesh_reference(max_faces: int = 4) -> Any:
    """The Face Mesh reference pipeline: an object with ``process(frame_bgr) -> list of (68, 2)``
    float32 frame-pixel point arrays and ``close()``.

    The one place the benchmark makes it (today the MediaPipe solutions API,
    :class:`facefilter.bench.facemesh68.FaceMeshReference`); raises :class:`ReferenceUnavailable`
    when that cannot be imported.
    """
    try:
        from facefilter.bench.facemesh68 import FaceMeshReference

        return FaceMeshReference(max_faces=max_faces)
    except (ImportError, AttributeError) as exc:
        raise ReferenceUnavailable(f"the Face Mesh reference needs mediapipe's solutions API: {exc}") from exc


def run_pipeline(kind: str, clip: str, opts: dict[str, object], frames: int = 0,
                 pace_fps: float = 0.0) -> dict[str, object]:
    """Run one pipeline over the clip in this process; returns per-frame faces, timings and memory.

    ``kind`` is ``"ours"`` or ``"facemesh"``; ``frames`` > 0 loops the clip that many frames
    and samples memory instead of keeping every result. ``pace_fps`` > 0 feeds the frames in real
    time at that rate (frame ``i`` not before ``i / pace_fps`` s after the start, as a camera
    would), so ``cpu_s / wall_s`` is the share of one core the pipeline keeps busy at that rate.
    The native resources it makes (tracker, detector, segmenter, Face Mesh graph) are closed.
    """
    import torch

    torch.set_num_threads(int(opts.get("threads") or torch.get_num_threads()))
    from facefilter.capture import VideoFileSource

    filt, filter_name = _one_filter(opts.get("filter"))  # type: ignore[arg-type]
    if kind == "ours":
        from facefilter.detect import BlazeFaceDetector
        from facefilter.landmarks import LandmarkModel
        from facefilter.pipeline import Pipeline
        from facefilter.tracker import FaceTracker, TrackerConfig

        model = LandmarkModel.load_single(opts.get("weights"), device=opts.get("device"))  # type: ignore[arg-type]
        cfg = TrackerConfig(redetect_interval=int(opts["redetect"]), flip_test=bool(opts["flip_test"]),
                            backend=str(opts["backend"]), precision=str(opts.get("precision", "int8")))
        detector = BlazeFaceDetector()
        tracker = FaceTracker(model, detector, max_faces=4, smoothing=not opts["no_smoothing"], config=cfg)
        pipe = Pipeline(tracker, {filter_name: filt} if filt is not None else None)
        closers = [pipe, detector]
        pipe.active_filter = filter_name if filt is not None else None
        pipe.overlay = filt is None
        pipe.set_background(str(opts.get("background") or "none"))  # before the filter, as in the app
    else:
        from facefilter.overlay import draw_overlay
        from facefilter.types import Box, Face

        mesh = facemesh_reference(max_faces=4)
        closers = [mesh]

    def step(frame: np.ndarray, t: float) -> tuple[list[np.ndarray], list[int], dict[str, float], list]:
        if kind == "ours":
            res = pipe.process(frame, t)
            angles = [(f.pose.yaw, f.pose.pitch, f.pose.roll) if f.pose is not None else None for f in res.faces]
            return [f.landmarks for f in res.faces], [f.id for f in res.faces], res.timings_ms, angles
        t0 = time.perf_counter()
        pts = mesh.process(frame)
        t1 = time.perf_counter()
        faces = [Face(Box.from_points(p), p, i + 1) for i, p in enumerate(pts)]
        if filt is not None and faces:
            filt.render(frame, faces, t)
        else:
            draw_overlay(frame.copy(), faces)
        t2 = time.perf_counter()
        return pts, [], {"landmarks": (t1 - t0) * 1000, "render": (t2 - t1) * 1000, "total": (t2 - t0) * 1000}, []

    out: dict[str, object] = {"filter": filter_name or "overlay (no filters package)", "rss_start_mb": _rss_mb()}
    results, timings, memory = [], [], []
    src = VideoFileSource(clip)
    fps = src.fps or 30.0
    i = 0
    try:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        while True:
            if pace_fps > 0 and (wait := wall0 + i / pace_fps - time.perf_counter()) > 0:
                time.sleep(wait)
            td = time.perf_counter()
            frame = src.read()
            if frame is None:
                if frames and i < frames:
                    src.close()
                    src = VideoFileSource(clip)
                    continue
                break
            decode = (time.perf_counter() - td) * 1000
            pts, ids, tm, angles = step(frame, i / fps)
            tm = {**tm, "decode": decode, "end_to_end": decode + tm["total"]}
            if frames:
                if i % 1000 == 0:
                    memory.append((i, _rss_mb()))
            else:
                results.append((pts, ids, angles))
                timings.append(tm)
            i += 1
            if frames and i >= frames:
                break
        out["wall_s"] = time.perf_counter() - wall0
        out["cpu_s"] = time.process_time() - cpu0
    finally:
        src.close()
        for part in closers:
            close = getattr(part, "close", None)
            if callable(close):
                close()
    out["frames"] = i
    out["peak_mb"] = _peak_mb()
    out["rss_end_mb"] = _rss_mb()
    out["memory"] = memory
    out["results"] = results
    out["timings"] = timings
    return out


def _one_filter(wanted: str | None = None) -> tuple[object | None, str | None]:
    """The built-in filter ``wanted`` (default: sunglasses, else the first), when the filters package provides them."""
    try:
        from facefilter.filters import builtin_filters
    except ImportError:
        return None, None
    filters = builtin_filters()
    if wanted is not None and wanted not in filters:
        raise ValueError(f"no built-in filter {wanted!r}; there are {', '.join(filters)}")
    for name in (wanted or "sunglasses", *filters):
        if name in filters:
            return filters[name], name
    return None, None


@dataclass
class Scores:
    nme: float
    nme_still: float
    nme_motion: float
    miss: float
    jitter: float
    id_switches: int


def score(results: list[tuple], truth: np.ndarray, still_frames: int) -> Scores:
    """Match predictions to true faces per frame (nearest centre within 0.5 IOD) and score them.

    ``results`` holds per frame (list of ``(68, 2)`` predictions, their ids, ...); without ids
    (the reference) id switches are reported as -1.
    """
    a, b = OUTER_EYE_CORNERS
    n_frames, n_faces = truth.shape[:2]
    err = np.full((n_frames, n_faces), np.nan)
    pos_err = np.full((n_frames, n_faces, 68, 2), np.nan)
    who = np.full((n_frames, n_faces), -1)
    has_ids = any(r[1] for r in results)
    for t in range(n_frames):
        preds = [np.asarray(p, np.float64) for p in results[t][0]]
        ids = results[t][1]
        for k in range(n_faces):
            gt = truth[t, k].astype(np.float64)
            iod = float(np.linalg.norm(gt[a] - gt[b]))
            if not preds:
                continue
            d = [float(np.linalg.norm(p.mean(0) - gt.mean(0))) for p in preds]
            j = int(np.argmin(d))
            if d[j] < 0.5 * iod:
                err[t, k] = np.linalg.norm(preds[j] - gt, axis=1).mean() / iod
                pos_err[t, k] = (preds[j] - gt) / iod
                who[t, k] = ids[j] if has_ids else j
    still = pos_err[JITTER_SKIP:still_frames]
    jitter = float(np.nanmean(np.nanstd(still, axis=0))) if still_frames > JITTER_SKIP else float("nan")
    switches = int(sum(np.count_nonzero(np.diff(who[:, k][who[:, k] >= 0])) for k in range(n_faces)))
    return Scores(
        nme=float(np.nanmean(err)) * 100,
        nme_still=float(np.nanmean(err[:still_frames])) * 100,
        nme_motion=float(np.nanmean(err[still_frames:])) * 100,
        miss=float(np.mean(np.isnan(err))) * 100,
        jitter=jitter * 100,
        id_switches=switches if has_ids else -1,
    )


def pose_jitter(results: list[tuple], truth: np.ndarray, still_frames: int) -> np.ndarray | None:
    """Still-face head pose jitter: ``(3,)`` std over time (deg) of yaw, pitch, roll, mean over faces.

    ``results`` holds per frame (predicted points, ids, per-face ``(yaw, pitch, roll)`` or None);
    faces are matched to the truth as in :func:`score`, on the still frames from ``JITTER_SKIP``.
    ``None`` when no face has a pose there.
    """
    n_faces = truth.shape[1]
    angles = np.full((max(still_frames - JITTER_SKIP, 0), n_faces, 3), np.nan)
    for t in range(JITTER_SKIP, min(still_frames, len(results))):
        preds, _, poses = results[t][:3]
        for k in range(n_faces):
            gt = truth[t, k].astype(np.float64)
            d = [float(np.linalg.norm(np.asarray(p, np.float64).mean(0) - gt.mean(0))) for p in preds]
            j = int(np.argmin(d)) if d else -1
            near = j >= 0 and d[j] < 0.5 * float(np.linalg.norm(gt[36] - gt[45]))
            if near and j < len(poses) and poses[j] is not None:
                angles[t - JITTER_SKIP, k] = poses[j]
    if not np.isfinite(angles).any():
        return None
    return np.nanmean(np.nanstd(angles, axis=0), axis=0)


def _child(kind: str, clip: str, opts: dict[str, object], frames: int, queue: mp.Queue) -> None:
    try:
        queue.put(run_pipeline(kind, clip, opts, frames))
    except Exception as exc:  # report instead of hanging the parent
        queue.put({"error": f"{type(exc).__name__}: {exc}"})


def in_child(kind: str, clip: Path, opts: dict[str, object], frames: int = 0) -> dict[str, object]:
    """:func:`run_pipeline` in a fresh process (its own peak memory); raises on its error."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(kind, str(clip), opts, frames, queue))
    proc.start()
    res = queue.get()
    proc.join()
    if "error" in res:
        raise RuntimeError(f"{kind} pipeline failed: {res['error']}")
    return res


def _stage_table(timings: list[dict[str, float]]) -> str:
    keys = [k for k in ("decode", "detect", "landmarks", "smooth", "pose", "background", "render", "end_to_end")
            if k in timings[0]]
    cells = []
    for k in keys:
        v = np.array([t[k] for t in timings])
        cells.append(f"{k} {np.percentile(v, 50):.1f}/{np.percentile(v, 95):.1f}")
    return "  ".join(cells)


def report(name: str, rounds: list[dict[str, object]], truth: np.ndarray, still_frames: int) -> dict[str, object]:
    """Print and return one pipeline's figures on one clip: speed as medians over its ``rounds``
    (each a :func:`run_pipeline` result), accuracy from the first round (the pipelines are
    deterministic: every round tracks the same points)."""
    res = rounds[0]
    s = score(res["results"], truth, still_frames)  # type: ignore[arg-type]
    fps_rounds = [r["frames"] / r["wall_s"] for r in rounds]  # type: ignore[operator]
    fps = float(np.median(fps_rounds))
    cpu_ms = float(np.median([r["cpu_s"] / r["frames"] * 1000 for r in rounds]))  # type: ignore[operator]
    e2e_all = [np.array([t["end_to_end"] for t in r["timings"]]) for r in rounds]  # type: ignore[union-attr]
    p50 = float(np.median([np.percentile(e, 50) for e in e2e_all]))
    p95 = float(np.median([np.percentile(e, 95) for e in e2e_all]))
    spread = f" ({min(fps_rounds):.1f}-{max(fps_rounds):.1f} over {len(rounds)} rounds)" if len(rounds) > 1 else ""
    print(f"  {name:9s} FPS {fps:5.1f}{spread}  latency p50/p95 {p50:.1f}/{p95:.1f} ms  "
          f"CPU {cpu_ms:.1f} ms/frame  NME {s.nme:.2f}% (still {s.nme_still:.2f}, moving {s.nme_motion:.2f})  "
          f"miss {s.miss:.1f}%  jitter {s.jitter:.3f}% IOD  id switches {s.id_switches}")
    print(f"            ms p50/p95 (first round): {_stage_table(res['timings'])}")  # type: ignore[arg-type]
    jit = pose_jitter(res["results"], truth, still_frames)  # type: ignore[arg-type]
    if jit is not None:
        print(f"            still head pose jitter (std) yaw {jit[0]:.3f} pitch {jit[1]:.3f} roll {jit[2]:.3f} deg")
    return {"fps": fps, "fps_rounds": fps_rounds, "p50_ms": p50, "p95_ms": p95, "cpu_ms_per_frame": cpu_ms,
            **s.__dict__, "filter": res["filter"], "pose_jitter_deg": None if jit is None else jit.tolist()}


def interleaved(kinds: list[str], rounds: int, run: Any) -> dict[str, list[dict[str, object]]]:
    """``run(kind)`` ``rounds`` times per kind in one process, alternating which goes first
    (A B, B A, A B, ...), so the machine's slow spells fall on both; results per kind, in order.

    A kind whose first run raises :class:`ReferenceUnavailable` is reported and dropped.
    """
    out: dict[str, list[dict[str, object]]] = {k: [] for k in kinds}
    for r in range(rounds):
        for kind in kinds if r % 2 == 0 else kinds[::-1]:
            if kind not in out:
                continue
            try:
                out[kind].append(run(kind))
            except ReferenceUnavailable as exc:
                print(f"  {kind}: skipped ({exc})")
                del out[kind]
    return out


def ratio_rounds(ours: list[dict[str, object]], ref: list[dict[str, object]]) -> list[float]:
    """Per round, ours' FPS over the reference's (runs of one round ran back to back)."""
    return [(a["frames"] / a["wall_s"]) / (b["frames"] / b["wall_s"])  # type: ignore[operator]
            for a, b in zip(ours, ref, strict=False)]


def cpu_share(runs: list[dict[str, object]]) -> tuple[float, float]:
    """(median % of one core, median achieved FPS) over paced runs: process CPU time / wall time."""
    share = [100 * r["cpu_s"] / r["wall_s"] for r in runs]  # type: ignore[operator]
    rate = [r["frames"] / r["wall_s"] for r in runs]  # type: ignore[operator]
    return float(np.median(share)), float(np.median(rate))


NAMES = {"ours": "ours", "facemesh": "Face Mesh"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="facefilter-bench pipeline", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="300-W folder with labels.xml")
    ap.add_argument("--faces", default="1,3,2@70",
                    help="comma-separated clips: N faces, or N@SIDE for faces SIDE px tall (default 170 px for one "
                         "face, 115 for more)")
    ap.add_argument("--speeds", default="1", help="comma-separated motion speeds, one clip each (grid: 1,2,3)")
    ap.add_argument("--frontal-only", action="store_true",
                    help="clips of fairly frontal faces only, as before issue 25 (to compare with old figures); "
                         "default: validation faces as they come, turned ones included")
    ap.add_argument("--seed", type=int, default=0,
                    help="which validation faces (their seeded order), background and noise (default 0)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="runs per pipeline and clip, ours and Face Mesh alternating in this process; speed "
                         "figures are medians over the rounds (default 3)")
    ap.add_argument("--cpu-frames", type=int, default=300,
                    help="CPU share at 30 fps: each pipeline fed the one-face clip in real time at 30 fps for "
                         "this many frames per round, process CPU time over wall time (0: skip; default 300)")
    ap.add_argument("--no-true-boxes", action="store_true",
                    help="skip the network-alone reference cropped from the true points")
    ap.add_argument("--still", type=float, default=2.0, help="seconds without motion at the start")
    ap.add_argument("--motion", type=float, default=8.0, help="seconds of head motion after that")
    ap.add_argument("--noise", type=float, default=2.0, help="camera noise sigma (grey levels)")
    ap.add_argument("--redetect", type=int, default=10, help="frames between detector runs while tracking")
    ap.add_argument("--flip-test", action="store_true", help="average with the mirrored crop (2x network work)")
    ap.add_argument("--backend", choices=("onnx", "torch"), default="onnx",
                    help="landmark network runtime on the CPU (default: ONNX Runtime, as the app)")
    ap.add_argument("--precision", choices=("int8", "fp32"), default="int8",
                    help="ONNX landmark network: the shipped int8 graph (default, as the app) or fp32")
    ap.add_argument("--no-smoothing", action="store_true")
    ap.add_argument("--background", default="none", metavar="EFFECT",
                    help="background effect in our pipeline, as facefilter --background (e.g. blur; default none)")
    ap.add_argument("--filter", default=None, metavar="NAME",
                    help="built-in filter both pipelines render, with the frame time (default: sunglasses)")
    ap.add_argument("--no-reference", action="store_true", help="skip the MediaPipe Face Mesh reference")
    ap.add_argument("--device", default=None, help="landmark model device (default: CUDA if present, else CPU)")
    ap.add_argument("--weights", default=None, help="landmark weights (default: the shipped ones)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--memory-frames", type=int, default=0,
                    help="also run ours this many frames in a process of its own, sampling memory")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here too")
    args = ap.parse_args(argv)
    if args.rounds < 1 or args.cpu_frames < 0:
        ap.error("--rounds must be >= 1 and --cpu-frames >= 0")

    opts = {"redetect": args.redetect, "flip_test": args.flip_test, "backend": args.backend, "device": args.device,
            "weights": args.weights, "threads": args.threads, "no_smoothing": args.no_smoothing,
            "precision": args.precision, "background": args.background, "filter": args.filter}
    kinds = ["ours"] + ([] if args.no_reference else ["facemesh"])
    figures: dict[str, object] = {"options": {k: str(v) for k, v in vars(args).items()}}
    rows: list[str] = []
    speed_rows: list[str] = []
    faces_text = "fairly frontal validation faces (--frontal-only)" if args.frontal_only else \
        "validation faces as they come"
    with tempfile.TemporaryDirectory(prefix="facefilter-bench-") as tmp:
        specs = clip_specs(args.faces, args.speeds, args.still, args.motion, args.noise, args.frontal_only, args.seed)
        for spec in specs:
            n = spec.faces
            clip, truth = build_clip(spec, args.data, Path(tmp))
            still_frames = round(spec.still * spec.fps)
            print(f"{spec.name}: {len(truth)} frames 640x480 of {faces_text} ({spec.still:g} s still, "
                  f"{spec.motion:g} s moving, noise {spec.noise:g}), redetect every {args.redetect}, flip_test "
                  f"{'on' if args.flip_test else 'off'}, {args.backend} backend, {args.precision}; "
                  f"{args.rounds} round(s) of {' / '.join(NAMES[k] for k in kinds)} alternating in this process",
                  flush=True)
            key = f"{n}_faces" if spec.side is None and spec.speed == 1 else spec.name.replace(" ", "_")
            got = interleaved(kinds, args.rounds, lambda kind, c=str(clip): run_pipeline(kind, c, opts))
            print(f"  rendering: {got['ours'][0]['filter']}; process peak memory {_peak_mb():.0f} MB")
            figures[key] = {"ours": report("ours", got["ours"], truth, still_frames)}
            runs = [("ours", got["ours"][0])]
            if "facemesh" in got:
                figures[key]["facemesh"] = report("Face Mesh", got["facemesh"], truth, still_frames)  # type: ignore
                runs.append(("Face Mesh", got["facemesh"][0]))
                ratios = ratio_rounds(got["ours"], got["facemesh"])
                figures[key]["fps_ratio"] = {"median": float(np.median(ratios)), "rounds": ratios}  # type: ignore
                print(f"  FPS ours / Face Mesh: median {np.median(ratios):.2f} over {len(ratios)} rounds "
                      f"({', '.join(f'{r:.2f}' for r in ratios)})")
                speed_rows.append(f"| {spec.name} | {figures[key]['ours']['fps']:.1f} | "  # type: ignore[index]
                                  f"{figures[key]['facemesh']['fps']:.1f} | {np.median(ratios):.2f} |")  # type: ignore
            if not args.no_true_boxes:
                runs.append(("true boxes", {"results": true_box_results(str(clip), truth, opts)}))
            for name, res in runs:
                m = motion_scores(res["results"], truth, still_frames, spec.fps)  # type: ignore[arg-type]
                print(format_scores(name, m), flush=True)
                fps = figures[key][name.replace(" ", "").lower()]["fps"] if "wall_s" in res else None  # type: ignore
                rows.append(table_row(spec.name, name, m, fps))
                figures[key].setdefault(name.replace(" ", "_").lower(), {})["motion"] = m.__dict__  # type: ignore
        print("\n" + TABLE_HEAD + "\n" + "\n".join(rows))
        if speed_rows:
            print(f"\nSpeed, median of {args.rounds} interleaved round(s) (FPS: frames / wall time of decode + "
                  "track + render):\n| clip | ours FPS | Face Mesh FPS | ours / Face Mesh (median of rounds) |\n"
                  "| --- | --- | --- | --- |\n" + "\n".join(speed_rows))
        if args.cpu_frames:
            clip, _ = build_clip(ClipSpec(1, args.still, args.motion, noise=args.noise, seed=args.seed,
                                          frontal_only=args.frontal_only), args.data, Path(tmp))
            paced = interleaved(kinds, args.rounds, lambda kind, c=str(clip): run_pipeline(
                kind, c, opts, frames=args.cpu_frames, pace_fps=30.0))
            print(f"\nCPU at 30 fps, one face: process CPU time over wall time while fed {args.cpu_frames} frames "
                  f"in real time at 30 fps (decode + track + render), median of {args.rounds} interleaved round(s); "
                  "100% = one core busy")
            figures["cpu_30fps_1_face"] = {}
            for kind, res_list in paced.items():
                share, rate = cpu_share(res_list)
                cpu_ms = float(np.median([r["cpu_s"] / r["frames"] * 1000 for r in res_list]))  # type: ignore
                behind = "" if rate >= 29.0 else f" (could not keep up: {rate:.1f} fps)"
                print(f"  {NAMES[kind]:9s} {share:5.1f}% of one core{behind}; CPU {cpu_ms:.1f} ms/frame")
                figures["cpu_30fps_1_face"][kind] = {"percent_of_core": share, "fps": rate,  # type: ignore[index]
                                                     "cpu_ms_per_frame": cpu_ms}
        if args.memory_frames:
            clip, _ = build_clip(ClipSpec(1, args.still, args.motion, noise=args.noise, seed=args.seed,
                                          frontal_only=args.frontal_only), args.data, Path(tmp))
            res = in_child("ours", clip, opts, frames=args.memory_frames)
            mem = res["memory"]
            print(f"memory over {res['frames']} frames (RSS MB at frame): "
                  + ", ".join(f"{i}: {m:.0f}" for i, m in mem)  # type: ignore[union-attr]
                  + f"; growth after frame 1000: {mem[-1][1] - mem[1][1]:+.1f} MB")  # type: ignore[index]
            figures["memory"] = mem
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=float) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
