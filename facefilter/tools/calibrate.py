"""Measure BlazeFace on 300-W faces and fit the detector-box -> landmark-box mapping.

    python -m facefilter.tools.calibrate [--data DIR] [--weights PATH] [--write]

A tool, not part of the app (it needs the landmark model and the data; nothing imports it).
Each 300-W training face is pasted into a 640x480 frame (``facefilter.bench.scene``) with its
tight landmark box ``--sides`` pixels long, at a seeded random place. It prints:

1. Detection rate and time of the short-range, full-range and combined models per face size.
2. The mapping fit: centre and scale error of the predicted landmark box on the validation
   split (``split_indices(n, 0.1, seed=0)``, the faces the landmark model is validated on).
3. NME on the validation faces from ground-truth boxes, from mapped detector boxes, and from
   mapped boxes plus one re-crop from the predicted landmarks (what the tracker does).

Steps 1-2 depend only on the data and mediapipe; step 3 depends on the landmark weights, so
rerun it when they change. ``--write`` stores the fitted mapping and the figures in
``facefilter/detect/box_mapping.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from facefilter.bench.scene import background, composite, make_sprite, place
from facefilter.data import SHARED_DATA, FaceRecord, discover, split_indices
from facefilter.detect.base import Detection
from facefilter.detect.blazeface import BlazeFaceDetector, merge_models
from facefilter.detect.mapping import BoxMapping, mapping_features, mapping_path, mapping_target
from facefilter.types import Box

MODELS = ("short", "full")
DEFAULT_DATA = SHARED_DATA / "ibug300w-train"


@dataclass
class Sample:
    """One pasted face: record index, box side, frame points and each model's raw detection."""

    index: int
    side: int
    points: np.ndarray
    detections: dict[str, Detection | None]


def random_center(side: int, rng: np.random.Generator, size: tuple[int, int] = (640, 480)) -> tuple[float, float]:
    """A place for a face of tight-box ``side`` px so that its head stays inside the frame."""
    w, h = size
    mx, my = min(0.8 * side, w / 2), min(0.8 * side, h / 2)
    return float(rng.uniform(mx, w - mx)), float(rng.uniform(my, h - my))


def paste(record: FaceRecord, side: int, center: tuple[float, float], bg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(frame, (68, 2) points) with ``record``'s face on ``bg``, tight box ``side`` px centred at ``center``."""
    image = cv2.imread(str(record.image), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{record.image}: cannot read")
    sprite = make_sprite(image, record.points)
    frame, pts = composite(bg, [sprite], [place(sprite, center, side)])
    return frame, pts[0]


def match(detections: list[Detection], points: np.ndarray) -> Detection | None:
    """The best-scoring detection whose box centre lies inside the face's tight box."""
    gt = Box.from_points(points)
    for d in sorted(detections, key=lambda d: -d.score):
        cx, cy = d.box.center
        if gt.left <= cx <= gt.right and gt.top <= cy <= gt.bottom:
            return d
    return None


def collect(records: list[FaceRecord], sides: list[int], seed: int = 0) -> tuple[list[Sample], dict[str, list[float]]]:
    """Detect every record at every side with both models; returns samples and per-call times (s)."""
    detectors = {m: BlazeFaceDetector(m, min_score=0.5, map_boxes=False) for m in MODELS}
    rng = np.random.default_rng(seed)
    bg = background()
    samples, times = [], {m: [] for m in MODELS}
    for i, rec in enumerate(records):
        for side in sides:
            frame, pts = paste(rec, side, random_center(side, rng), bg)
            found: dict[str, Detection | None] = {}
            for m, det in detectors.items():
                t0 = time.perf_counter()
                dets = det.detect(frame)
                times[m].append(time.perf_counter() - t0)
                found[m] = match(dets, pts)
            samples.append(Sample(i, side, pts, found))
    for det in detectors.values():
        det.close()
    return samples, times


def fit_mapping(samples: list[Sample], model: str, use_roll: bool = True, ridge: float = 1e-3) -> BoxMapping:
    """Ridge least squares from :func:`mapping_features` to :func:`mapping_target` over ``samples``."""
    rows = [(s.detections[model], s.points) for s in samples if s.detections.get(model) is not None]
    feats, targets = [], []
    for det, pts in rows:
        f, roll = mapping_features(det, use_roll)  # type: ignore[arg-type]
        feats.append(f)
        targets.append(mapping_target(det, pts, roll))  # type: ignore[arg-type]
    x, y = np.asarray(feats), np.asarray(targets)
    reg = ridge * len(x) * np.eye(x.shape[1])
    reg[0, 0] = 0.0  # do not shrink the constant
    weights = np.linalg.solve(x.T @ x + reg, x.T @ y)
    return BoxMapping(weights, y.mean(0), use_roll)


def box_errors(samples: list[Sample], model: str, mapping: BoxMapping) -> tuple[np.ndarray, np.ndarray]:
    """Per detected sample: centre error / tight side, and |log(side ratio)| of the mapped box."""
    centre, scale = [], []
    for s in samples:
        det = s.detections.get(model)
        if det is None:
            continue
        box, roll = mapping(det)
        target = mapping_target(Detection(Box(*box), 1.0), s.points, roll)  # relative to the mapped box
        centre.append(float(np.linalg.norm(target[:2])) / float(np.exp(target[2])))
        scale.append(abs(float(target[2])))
    return np.asarray(centre), np.asarray(scale)


def combined(sample: Sample, mappings: dict[str, BoxMapping]) -> tuple[np.ndarray, float] | None:
    """What ``BlazeFaceDetector("both")`` gives for this face: (landmark box, roll), or None."""
    found = {}
    for m, d in sample.detections.items():
        if d is not None:
            box, roll = mappings[m](d)
            found[m] = [Detection(d.box, d.score, d.keypoints, Box(*(float(v) for v in box)), roll)]
    merged = merge_models(found)
    return (merged[0].crop_box().as_array().astype(np.float64), merged[0].roll) if merged else None


def evaluate_nme(
    records: list[FaceRecord], samples: list[Sample], mappings: dict[str, BoxMapping], weights: str | None
) -> dict[str, dict[int, float]]:
    """Mean NME (%) per side on ``samples`` from GT boxes, mapped boxes, and mapped boxes + one re-crop."""
    from facefilter.landmarks import LandmarkModel
    from facefilter.landmarks.metrics import nme
    from facefilter.landmarks.onnx import use_onnx
    from facefilter.tracker import eye_roll, upright_box

    model = LandmarkModel.load_single(weights, device="cpu", flip_test=False)  # the app's network
    use_onnx(model)  # same numbers as PyTorch (within 1e-4 px), faster
    bg = background()
    out: dict[str, dict[int, list[float]]] = {}
    for s in samples:
        mapped = combined(s, mappings)
        if mapped is None:
            continue
        frame, pts = paste(records[s.index], s.side, Box.from_points(s.points).center, bg)  # the same frame again
        gt = pts[None]
        box_gt = Box.from_points(pts).as_array()[None]
        box_det = np.asarray(mapped[0], np.float64)
        first = model.predict(frame, box_det[None], np.array([mapped[1]]))[0]
        roll = eye_roll(first)
        refined = model.predict(frame, upright_box(first, roll)[None], np.array([roll]))[0]
        for key, pred in (
            ("ground-truth box", model.predict(frame, box_gt)[0]),
            ("detector box", first),
            ("detector box + re-crop", refined),
        ):
            out.setdefault(key, {}).setdefault(s.side, []).append(float(nme(pred[None], gt)[0]) * 100)
    return {k: {side: float(np.mean(v)) for side, v in d.items()} for k, d in out.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m facefilter.tools.calibrate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="300-W folder (labels.xml)")
    ap.add_argument("--sides", default="48,80,128,200,300", help="tight-box sides (px) to paste faces at")
    ap.add_argument("--nme-sides", default="80,128,200", help="sides used for the NME comparison")
    ap.add_argument("--weights", default=None, help="landmark weights (default: the shipped ones)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N faces (quick runs)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--write", action="store_true", help=f"write the fitted mapping to {mapping_path()}")
    args = ap.parse_args(argv)

    records = discover(args.data).records
    train_idx, val_idx = split_indices(len(records), 0.1, seed=0)
    if args.limit:
        records = records[: args.limit]
        train_idx, val_idx = train_idx[train_idx < args.limit], val_idx[val_idx < args.limit]
    sides = [int(v) for v in args.sides.split(",")]
    t0 = time.perf_counter()
    samples, times = collect(records, sides, args.seed)
    print(f"{len(records)} faces x {len(sides)} sizes pasted into 640x480 frames ({time.perf_counter() - t0:.0f} s)")

    print("\n1. Detection rate (%) by tight-box side (px); time per 640x480 frame")
    print("   model  " + "".join(f"{s:>8d}" for s in sides) + "     p50 ms   p95 ms")
    rates: dict[str, dict[int, float]] = {}
    for m in (*MODELS, "both"):
        row = {}
        for side in sides:
            hit = [any(s.detections[k] is not None for k in (MODELS if m == "both" else (m,)))
                   for s in samples if s.side == side]
            row[side] = 100.0 * float(np.mean(hit))
        rates[m] = row
        t = np.asarray(times["short"]) + np.asarray(times["full"]) if m == "both" else np.asarray(times[m])
        print(f"   {m:6s} " + "".join(f"{row[s]:8.1f}" for s in sides)
              + f"   {np.median(t) * 1000:8.2f} {np.percentile(t, 95) * 1000:8.2f}")

    train = [s for s in samples if s.index in set(train_idx.tolist())]
    val = [s for s in samples if s.index in set(val_idx.tolist())]
    print("\n2. Mapping fit on train faces, errors on validation faces (centre error / tight side; |log scale|)")
    mappings, fit_figures = {}, {}
    for m in MODELS:
        for use_roll in (False, True):
            mp = fit_mapping(train, m, use_roll)
            c, sc = box_errors(val, m, mp)
            print(f"   {m:5s} roll={'on ' if use_roll else 'off'}  centre mean {c.mean() * 100:5.2f}% "
                  f"p95 {np.percentile(c, 95) * 100:5.2f}%   scale mean {sc.mean() * 100:5.2f}% "
                  f"p95 {np.percentile(sc, 95) * 100:5.2f}%   (n={len(c)})")
            if use_roll:  # the tracker crops upright, so the mapping gives a roll too
                mappings[m] = mp
                fit_figures[m] = {"centre_err_mean_pct": round(float(c.mean() * 100), 2),
                                  "scale_err_mean_pct": round(float(sc.mean() * 100), 2), "n_val": len(c)}

    nme_sides = [int(v) for v in args.nme_sides.split(",") if int(v) in sides]
    nme_val = [s for s in val if s.side in nme_sides]
    print(f"\n3. NME (%) on {len({s.index for s in nme_val})} validation faces, combined detector, flip_test off "
          f"(weights: {args.weights or 'shipped'})")
    t1 = time.perf_counter()
    table = evaluate_nme(records, nme_val, mappings, args.weights)
    print("   crop from                " + "".join(f"{s:>8d}" for s in nme_sides) + "     mean")
    for key, row in table.items():
        print(f"   {key:24s} " + "".join(f"{row[s]:8.2f}" for s in nme_sides)
              + f" {np.mean([row[s] for s in nme_sides]):8.2f}")
    gap = {k: float(np.mean([table[k][s] - table["ground-truth box"][s] for s in nme_sides])) for k in table}
    print(f"   gap to ground-truth boxes: detector box {gap['detector box']:+.2f}, "
          f"with re-crop {gap['detector box + re-crop']:+.2f} points ({time.perf_counter() - t1:.0f} s)")

    if args.write:
        data = {
            "about": "BlazeFace detection -> 300-W tight landmark box; written by python -m "
                     "facefilter.tools.calibrate (see facefilter/detect/mapping.py for the formula)",
            "fitted_on": f"{len(train_idx)} ibug300w-train faces (split_indices seed 0, val 10% held out), "
                         f"pasted into 640x480 frames at tight-box sides {sides} px",
            "models": {m: {**mappings[m].to_dict(), "val_errors": fit_figures[m]} for m in MODELS},
            "detection_rate_pct": {m: {str(k): round(v, 1) for k, v in r.items()} for m, r in rates.items()},
            "val_nme_pct": {k: {str(s): round(v, 2) for s, v in r.items()} for k, r in table.items()},
            "nme_weights": args.weights or "shipped models/landmarks.safetensors at calibration time",
        }
        mapping_path().write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {mapping_path()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
