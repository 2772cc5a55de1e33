"""``facefilter-bench yaw``: landmark accuracy by how far the head is turned (yaw bins).

Two checks, each for the shipped main network and, with ``--weights``, a candidate beside it:

- ``--val``: NME (% of the outer-eye-corner distance) on the 300-W validation faces (the seed-0
  90/10 split of ``--data``), binned by the yaw that :func:`facefilter.pose.estimate_pose` gives
  on the ground-truth points; for the single network on one crop (what the tracker runs) and the
  ensemble (main network + shipped companion, seven crops; the candidate replaces the main one).
- ``--real``: on real footage (every file of ``../shared/data/real-dev`` with faces) the
  tracker's 7 stable points (eye corners 36, 39, 42, 45, nose tip 30, mouth corners 48, 54)
  against MediaPipe Face Mesh's (mapped to 68 points by
  :data:`facefilter.bench.facemesh68.MESH_TO_68`), binned by the yaw fitted to **Face Mesh's**
  points. Per face the distance is the mean over the 7 points, in units of Face Mesh's outer-eye
  distance; printed per bin: faces, the share more than 10% off, the median. Clips run frame by
  frame (Face Mesh in video mode); a photo runs ``--photo-frames`` frames and its last is scored
  (Face Mesh in image mode). Both trackers are the app's (BlazeFace, default config) with the
  network in PyTorch fp32, so the two weights are compared alike. Reference faces our tracker
  has no face for are counted as misses (reported, not in the distances).
- ``--gallery PATH``: turned real faces (|yaw| > 30 deg by Face Mesh) from those files with the
  puppy ("dog") and the sunglasses, shipped weights above the candidate's.

The reference is one small swappable function, :func:`make_reference`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from facefilter.bench.real import DEFAULT_DIR, parse_readme, read_frames
from facefilter.data import SHARED_DATA
from facefilter.pose import estimate_pose

YAW_BINS: tuple[tuple[float, float], ...] = ((0.0, 15.0), (15.0, 30.0), (30.0, 45.0), (45.0, 90.0))
STABLE_POINTS: tuple[int, ...] = (36, 39, 42, 45, 30, 48, 54)
OFF = 0.10  # "off": mean stable-point distance over this share of the reference's eye distance
GALLERY_MIN_YAW = 30.0


def yaw_bin(yaw: float) -> int | None:
    """Index in :data:`YAW_BINS` of ``|yaw|`` (degrees); ``None`` past the last bin."""
    a = abs(float(yaw))
    for k, (lo, hi) in enumerate(YAW_BINS):
        if lo <= a < hi or (k == len(YAW_BINS) - 1 and a == hi):
            return k
    return None


def stable_distance(ours: np.ndarray, ref: np.ndarray) -> float:
    """Mean distance of the :data:`STABLE_POINTS` of two ``(68, 2)`` faces over ``ref``'s 36-45 distance."""
    idx = list(STABLE_POINTS)
    eye = float(np.linalg.norm(ref[36] - ref[45]))
    return float(np.linalg.norm(ours[idx] - ref[idx], axis=1).mean() / max(eye, 1e-6))


def match_faces(ours: Sequence[np.ndarray], ref: np.ndarray) -> np.ndarray | None:
    """The face of ``ours`` whose stable points are nearest ``ref``'s, if within half an eye distance."""
    if not ours:
        return None
    d = [stable_distance(o, ref) for o in ours]
    k = int(np.argmin(d))
    return ours[k] if d[k] < 0.5 else None


def bin_table(yaws: Sequence[float], dists: Sequence[float]) -> list[dict[str, float]]:
    """Per yaw bin: ``faces``, ``off`` (share > :data:`OFF`, %) and ``median`` (%, of the eye distance)."""
    yaws, dists = np.asarray(yaws, float), np.asarray(dists, float)
    bins = np.array([-1 if (b := yaw_bin(y)) is None else b for y in yaws], int)
    rows = []
    for k in range(len(YAW_BINS)):
        d = dists[bins == k]
        rows.append({"faces": int(len(d)), "off": float(100 * (d > OFF).mean()) if len(d) else float("nan"),
                     "median": float(100 * np.median(d)) if len(d) else float("nan")})
    return rows


class _As68:
    """A Face Mesh reference whose ``process`` gives ``(468, 2|3)`` meshes, giving 300-W's 68 points."""

    def __init__(self, mesh: Any) -> None:
        self.mesh = mesh

    def process(self, frame_bgr: np.ndarray) -> list[np.ndarray]:
        from facefilter.bench.facemesh68 import mesh_to_68

        out = []
        for m in self.mesh.process(frame_bgr):
            m = np.asarray(m, np.float32)
            out.append(m if m.shape[0] == 68 else mesh_to_68(m[:, :2]))
        return out

    def close(self) -> None:
        self.mesh.close()


def make_reference(static: bool, max_faces: int = 8) -> Any:
    """Face Mesh as ``process(frame_bgr) -> list of (68, 2)`` with ``close()``: the new-API
    :class:`facefilter.bench.facemesh.FaceMeshReference` (no legacy ``mediapipe.solutions``) where it
    exists, else the legacy solution's (:mod:`facefilter.bench.facemesh68`); mapped by ``MESH_TO_68``."""
    try:
        from facefilter.bench.facemesh import FaceMeshReference
    except ImportError:
        from facefilter.bench.facemesh68 import FaceMeshReference  # type: ignore[assignment]
    return _As68(FaceMeshReference(max_faces=max_faces, static=static))


# ---------------------------------------------------------------------------------------------- 300-W


def validation_by_yaw(data: Path, models: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """NME (%) by yaw bin of each ``LandmarkModel`` in ``models`` on the seed-0 validation faces."""
    from facefilter.data import load_many, split_indices
    from facefilter.train.evaluate import evaluate

    records = load_many([data]).records
    _, val_idx = split_indices(len(records), 0.1, 0)
    recs = [records[i] for i in val_idx]
    yaws = []
    for r in recs:
        img = cv2.imread(str(r.image), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise FileNotFoundError(f"{r.image}: missing or corrupt image")
        yaws.append(estimate_pose(np.asarray(r.points, np.float64), (img.shape[1], img.shape[0])).yaw)
    bins = np.array([yaw_bin(y) if yaw_bin(y) is not None else len(YAW_BINS) - 1 for y in yaws])
    out = {}
    for name, model in models.items():
        t0 = time.perf_counter()
        _, per_face = evaluate(model, recs)
        per_face = 100 * np.asarray(per_face, float)
        if len(per_face) != len(recs):
            raise RuntimeError(f"{name}: {len(per_face)} faces scored of {len(recs)}")
        turned = np.abs(np.asarray(yaws)) >= 15.0
        out[name] = {
            "nme": float(per_face.mean()), "nme_yaw_ge_15": float(per_face[turned].mean()),
            "faces_yaw_ge_15": int(turned.sum()),
            "bins": [{"faces": int((bins == k).sum()),
                      "nme": float(per_face[bins == k].mean()) if (bins == k).any() else float("nan")}
                     for k in range(len(YAW_BINS))],
            "seconds": time.perf_counter() - t0,
        }
        print(f"  {name}: NME {out[name]['nme']:.3f}%  |yaw|>=15: {out[name]['nme_yaw_ge_15']:.3f}% "
              f"({int(turned.sum())} faces)  {out[name]['seconds']:.0f}s", flush=True)
    return out


# ---------------------------------------------------------------------------------------------- real footage


@dataclass
class RealFaces:
    """Per tracker: the scored reference faces' yaw (deg, from Face Mesh) and distance, and misses."""

    yaws: list[float] = field(default_factory=list)
    dists: list[float] = field(default_factory=list)
    missed: list[float] = field(default_factory=list)  # yaw of reference faces we had no face for


@dataclass
class TurnedShot:
    """A frame with a turned face, for the gallery: the frame and each tracker's faces."""

    file: str
    yaw: float
    frame: np.ndarray
    faces: dict[str, list[Any]]
    ref: np.ndarray


def real_by_yaw(
    folder: Path, trackers: dict[str, Any], reference: Callable[[bool, int], Any], photo_frames: int = 3,
    stride: int = 1, only: Sequence[str] | None = None, keep_turned: int = 0, frame_step: int = 1,
) -> tuple[dict[str, RealFaces], list[TurnedShot]]:
    """Run every tracker and the reference over the files of ``folder`` with faces (see the module
    docstring); returns per tracker name its :class:`RealFaces`, and up to ``keep_turned`` frames
    per file with a face turned past :data:`GALLERY_MIN_YAW` (spread over the file). ``frame_step``
    > 1 runs a clip as every ``frame_step``-th frame (a lower frame rate: less work)."""
    entries = [e for e in parse_readme(folder / "README.md") if e.faces > 0]
    if only:
        entries = [e for e in entries if any(e.file.startswith(o) for o in only)]
    out = {name: RealFaces() for name in trackers}
    shots: list[TurnedShot] = []
    for entry in entries:
        t0 = time.perf_counter()
        frames, fps = read_frames(folder / entry.file, photo_frames)
        if not entry.is_photo and frame_step > 1:
            frames, fps = frames[::frame_step], fps / frame_step
        ref = reference(entry.is_photo, min(max(entry.faces, 1), 6))  # (it detects until it has that many)
        candidates: list[TurnedShot] = []
        try:
            for t in trackers.values():
                t.reset()
            for i, frame in enumerate(frames):
                faces = {name: t.process(frame, i / fps) for name, t in trackers.items()}
                last = i == len(frames) - 1
                if entry.is_photo and not last:
                    continue
                if not entry.is_photo and i % stride:
                    ref.process(frame)  # keep the reference's video tracking fed
                    continue
                h, w = frame.shape[:2]
                for r in ref.process(frame):
                    r = np.asarray(r, np.float64)
                    try:
                        yaw = estimate_pose(r, (w, h)).yaw
                    except ValueError:
                        continue
                    for name, fs in faces.items():
                        m = match_faces([np.asarray(f.landmarks, np.float64) for f in fs], r)
                        if m is None:
                            out[name].missed.append(yaw)
                        else:
                            out[name].yaws.append(yaw)
                            out[name].dists.append(stable_distance(m, r))
                    if keep_turned and abs(yaw) > GALLERY_MIN_YAW:
                        candidates.append(TurnedShot(entry.file, yaw, frame, faces, r))
        finally:
            ref.close()
        if candidates:
            pick = np.unique(np.linspace(0, len(candidates) - 1, min(keep_turned, len(candidates))).round().astype(int))
            shots += [candidates[k] for k in pick]
        n = len(next(iter(out.values())).dists) if out else 0
        print(f"  {entry.file}: {len(frames)} frames, {time.perf_counter() - t0:.0f}s (faces scored so far {n})",
              flush=True)
    return out, shots


def format_real(results: dict[str, RealFaces]) -> str:
    """A markdown table: per yaw bin and tracker, faces, share > 10% off, median, misses."""
    names = list(results)
    head = "| yaw | " + " | ".join(f"{n}: faces / >10% off / median / missed" for n in names) + " |"
    lines = [head, "|---" * (len(names) + 1) + "|"]
    tables = {n: bin_table(r.yaws, r.dists) for n, r in results.items()}
    for k, (lo, hi) in enumerate(YAW_BINS):
        cells = []
        for n in names:
            row = tables[n][k]
            missed = sum(yaw_bin(y) == k for y in results[n].missed)
            cells.append(f"{row['faces']} / {row['off']:.1f}% / {row['median']:.1f}% / {missed}")
        lines.append(f"| {lo:.0f}-{hi:.0f} deg | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- gallery


def gallery(shots: Sequence[TurnedShot], names: Sequence[str], stickers: Sequence[str] = ("dog", "sunglasses"),
            cell: int = 180, max_faces: int = 12) -> np.ndarray:
    """BGR sheet: one column per turned face, rows = each sticker x each tracker name (labelled)."""
    from facefilter.filters import builtin_filters

    filters = builtin_filters()
    shots = sorted(shots, key=lambda s: -abs(s.yaw))[:max_faces]
    rows = []
    for sticker in stickers:
        for name in names:
            tiles = []
            for s in shots:
                out = filters[sticker].render(s.frame, s.faces[name]) if s.faces[name] else s.frame.copy()
                c = s.ref.mean(0)
                half = 1.3 * float(np.ptp(s.ref[:, 0]) + np.ptp(s.ref[:, 1])) / 2
                k = cell / (2 * half)
                m = np.array([[k, 0, cell / 2 - k * c[0]], [0, k, cell / 2 - k * (c[1] - 0.25 * half)]])
                tile = cv2.warpAffine(out, m, (cell, cell), flags=cv2.INTER_AREA, borderValue=(72, 72, 72))
                cv2.putText(tile, f"{s.file[:18]} {s.yaw:+.0f}", (3, cell - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                            (255, 255, 255), 1, cv2.LINE_AA)
                tiles.append(tile)
            if not tiles:
                continue
            bar = np.full((cell, 110, 3), 32, np.uint8)
            for j, text in enumerate((sticker, name)):
                cv2.putText(bar, text, (4, 20 + 18 * j), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1,
                            cv2.LINE_AA)
            rows.append(np.concatenate([bar, *tiles], axis=1))
    return np.concatenate(rows) if rows else np.zeros((cell, cell, 3), np.uint8)


# ---------------------------------------------------------------------------------------------- main


def _tracker(weights: str | None) -> Any:
    from facefilter.landmarks import LandmarkModel
    from facefilter.tracker import FaceTracker

    return FaceTracker(model=LandmarkModel.load_single(weights, device="cpu"), device="cpu")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="facefilter-bench yaw", description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", help="candidate main-network weights, scored beside the shipped ones")
    p.add_argument("--val", action="store_true", help="300-W validation NME by yaw bin")
    p.add_argument("--real", action="store_true", help="our stable points against Face Mesh's on real footage")
    p.add_argument("--nets", choices=("single", "ensemble", "both"), default="both",
                   help="--val: the single network on one crop, the ensemble (slow: 14x the work), or both")
    p.add_argument("--skip-shipped", action="store_true",
                   help="score only the --weights candidate (the shipped figures from an earlier run)")
    p.add_argument("--data", type=Path, default=SHARED_DATA / "ibug300w-train")
    p.add_argument("--real-dir", type=Path, default=DEFAULT_DIR)
    p.add_argument("--only", nargs="*", help="--real: file names or prefixes")
    p.add_argument("--stride", type=int, default=1, help="--real: score every N-th clip frame (default 1)")
    p.add_argument("--frame-step", type=int, default=1,
                   help="--real: run clips at every N-th frame (a lower frame rate; default 1: all frames)")
    p.add_argument("--photo-frames", type=int, default=3)
    p.add_argument("--gallery", type=Path, help="--real: write a sheet of turned faces with stickers here")
    p.add_argument("--json", type=Path, help="write all figures here")
    p.add_argument("--threads", type=int, default=1, help="torch / cv2 threads (default 1)")
    args = p.parse_args(argv)
    if not (args.val or args.real):
        p.error("give --val and/or --real")
    import torch

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    from facefilter.landmarks import LandmarkModel

    figures: dict[str, Any] = {}
    names = ({} if args.skip_shipped else {"shipped": None}) | ({"candidate": args.weights} if args.weights else {})
    if not names:
        p.error("--skip-shipped needs --weights")
    if args.val:
        print(f"300-W validation faces ({args.data}), NME by |yaw| bin (yaw fitted to the ground truth):", flush=True)
        models = {}
        if args.nets in ("single", "both"):
            models = {f"{n} single": LandmarkModel.load(w, device="cpu", companions=[], multi_crop=False)
                      for n, w in names.items()}
        if args.nets in ("ensemble", "both"):
            shipped = LandmarkModel.load(device="cpu")  # the shipped main network, companion and crops
            comps = [str(Path(shipped.source).with_name(c)) for c in _companion_names()]
            for n, w in names.items():
                models[f"{n} ensemble"] = shipped if w is None else LandmarkModel.load(
                    w, device="cpu", companions=comps, multi_crop=True)
        val = validation_by_yaw(args.data, models)
        figures["val"] = val
        head = "| yaw | " + " | ".join(val) + " |"
        print(head + "\n" + "|---" * (len(val) + 1) + "|")
        for k, (lo, hi) in enumerate(YAW_BINS):
            n = next(iter(val.values()))["bins"][k]["faces"]
            print(f"| {lo:.0f}-{hi:.0f} deg ({n}) | " + " | ".join(f"{v['bins'][k]['nme']:.3f}%" for v in val.values())
                  + " |")
        print("| all | " + " | ".join(f"{v['nme']:.3f}%" for v in val.values()) + " |")
        print("| >=15 deg | " + " | ".join(f"{v['nme_yaw_ge_15']:.3f}%" for v in val.values()) + " |", flush=True)
    if args.real:
        print(f"real footage ({args.real_dir}): 7 stable points against Face Mesh's, yaw from Face Mesh's points",
              flush=True)
        trackers = {n: _tracker(w) for n, w in names.items()}
        try:
            res, shots = real_by_yaw(args.real_dir, trackers, make_reference, args.photo_frames, args.stride,
                                     args.only, keep_turned=3 if args.gallery else 0, frame_step=args.frame_step)
        finally:
            for t in trackers.values():
                t.close()
        print(format_real(res))
        figures["real"] = {n: {"bins": bin_table(r.yaws, r.dists), "missed": len(r.missed)} for n, r in res.items()}
        if args.gallery:
            sheet = gallery(shots, list(names))
            args.gallery.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(args.gallery), sheet, [cv2.IMWRITE_JPEG_QUALITY, 88])
            print(f"gallery: {args.gallery} ({len(shots)} turned faces found, up to 12 shown)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


def _companion_names() -> tuple[str, ...]:
    from facefilter.landmarks.predictor import SHIPPED_COMPANIONS

    return tuple(SHIPPED_COMPANIONS)


if __name__ == "__main__":
    sys.exit(main())
