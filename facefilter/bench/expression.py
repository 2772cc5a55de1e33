"""``facefilter-bench expression``: the expression model's speed, and its smoothed labels on real clips.

* Speed: median ms per face of the CPU runtime (ONNX Runtime, ``--threads`` threads, 1 by
  default: the app's), for the network alone on one 48x48 crop, with the FER-style crop from a
  640x480 frame, and with test-time flip. The load average is printed with it: on a shared
  machine the median is only as good as the quiet it was measured in.
* Clips (``--clips``, files of ``../shared/data/real-dev``): the tracker and the model on every
  frame; how often the raw argmax and the smoothed label (:mod:`facefilter.expression.smoothing`)
  change, the most changes of the label in any 2 s window, and a contact sheet (``--sheet``) of
  evenly spaced frames with the label, the top classes and the face's 48x48 crop in the corner.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from facefilter.data import SHARED_DATA
from facefilter.expression import EXPRESSIONS, ExpressionModel, fer_crops
from facefilter.expression.config import EXTRA_LABEL, to_extra
from facefilter.expression.crop import fer_template
from facefilter.expression.smoothing import ExpressionSmoother
from facefilter.overlay import draw_expressions

DEFAULT_CLIPS = ("pose_34view_vox.mp4", "occl_selfie_hand.mp4", "occl_tinted_glasses_yaw.mp4", "pose_yaw_nod_vox.mp4")


def median_ms(fn: object, runs: int) -> tuple[float, float]:
    """Median and 10th-percentile milliseconds of ``fn()`` over ``runs`` calls (after 10 warm-ups)."""
    for _ in range(10):
        fn()  # type: ignore[operator]
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts) * 1000), float(np.percentile(ts, 10) * 1000)


def speed(weights: str | None, threads: int, runs: int) -> dict[str, float]:
    """ms per face: network on a crop, crop + network from a frame, and with flip-test."""
    rng = np.random.default_rng(0)
    model = ExpressionModel.load(weights, device="cpu", threads=threads)
    flip = ExpressionModel.load(weights, device="cpu", threads=threads, flip_test=True)
    crop = rng.integers(0, 256, (1, 48, 48)).astype(np.uint8)
    frame = rng.integers(0, 256, (480, 640, 3)).astype(np.uint8)
    face = (fer_template() + 0.5) * 4 - 0.5 + (220.0, 140.0)
    out: dict[str, float] = {"threads": threads, "load_average_1min": os.getloadavg()[0], "cpus": os.cpu_count() or 0}
    out["network_ms_median"], out["network_ms_p10"] = median_ms(lambda: model.predict_crops(crop), runs)
    out["crop_and_network_ms_median"], out["crop_and_network_ms_p10"] = median_ms(
        lambda: model.predict(frame, [face]), runs)
    out["flip_network_ms_median"], out["flip_network_ms_p10"] = median_ms(lambda: flip.predict_crops(crop), runs)
    return out


def _sheet_tile(frame: np.ndarray, faces: list, crops: np.ndarray, width: int = 320) -> np.ndarray:
    img = draw_expressions(frame.copy(), faces)
    for f in faces:
        b = f.box
        cv2.rectangle(img, (round(b.left), round(b.top)), (round(b.right), round(b.bottom)), (0, 255, 0), 1)
    k = width / img.shape[1]
    img = cv2.resize(img, (width, round(img.shape[0] * k)), interpolation=cv2.INTER_AREA)
    if len(crops):
        c = cv2.cvtColor(cv2.resize(crops[0], (72, 72), interpolation=cv2.INTER_NEAREST), cv2.COLOR_GRAY2BGR)
        img[:72, -72:] = c
    return img


def run_clip(path: Path, model: ExpressionModel, tracker: object, sheet_frames: int) -> tuple[dict, list]:
    """Track every frame of ``path``, run and smooth expressions; figures and sheet tiles."""
    from facefilter.bench.real import read_frames

    frames, fps = read_frames(path, 1)
    tracker.reset()  # type: ignore[attr-defined]
    smoother = ExpressionSmoother()
    labels: list[tuple[float, int, int]] = []  # (t, raw argmax, smoothed label) of the largest face
    keep = set(np.linspace(0, len(frames) - 1, sheet_frames).round().astype(int).tolist()) if sheet_frames else set()
    tiles = []
    ms = []
    for i, frame in enumerate(frames):
        t = i / fps
        faces = tracker.process(frame, t)  # type: ignore[attr-defined]
        crops = np.zeros((0, 48, 48), np.uint8)
        if faces:
            t0 = time.perf_counter()
            crops = fer_crops(frame, np.stack([f.landmarks for f in faces]))
            probs = model.predict_crops(crops)
            ms.append((time.perf_counter() - t0) * 1000 / len(faces))
            for f, s in zip(faces, smoother.update(t, [f.id for f in faces], probs), strict=True):
                f.extra.update(to_extra(s.probs))
                f.extra[EXTRA_LABEL] = float(s.label)
            big = int(np.argmax([f.box.width for f in faces]))
            labels.append((t, int(np.argmax(probs[big])), int(faces[big].extra[EXTRA_LABEL])))
        if i in keep:
            tiles.append(_sheet_tile(frame, faces, crops))
    res: dict[str, object] = {"clip": path.name, "frames": len(frames), "fps": fps, "seconds": len(frames) / fps,
                              "frames_with_face": len(labels)}
    if labels:
        ts = np.array([x[0] for x in labels])
        raw = np.array([x[1] for x in labels])
        sm = np.array([x[2] for x in labels])
        change_t = ts[1:][np.diff(sm) != 0]
        res.update({
            "raw_changes": int(np.count_nonzero(np.diff(raw))),
            "smoothed_changes": len(change_t),
            "smoothed_changes_per_2s": len(change_t) / max(ts[-1] - ts[0], 1e-9) * 2,
            "max_smoothed_changes_in_any_2s": int(max((np.sum((change_t >= c) & (change_t < c + 2)) for c in change_t),
                                                      default=0)),
            "labels_shown": sorted({EXPRESSIONS[k] for k in sm}),
            "label_share": {EXPRESSIONS[k]: round(float(np.mean(sm == k)), 3) for k in np.unique(sm)},
            "ms_per_face_median": float(np.median(ms)),
        })
    return res, tiles


def contact_sheet(rows: list[list[np.ndarray]], titles: list[str]) -> np.ndarray:
    """Tiles in rows (one clip a row), each row titled; padded to a common size."""
    w = max(t.shape[1] for r in rows for t in r)
    cols = max(len(r) for r in rows)
    out = []
    for r, title in zip(rows, titles, strict=True):
        h = max(t.shape[0] for t in r)
        band = np.full((26, cols * w, 3), 30, np.uint8)
        cv2.putText(band, title, (6, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
        tiles = [cv2.copyMakeBorder(t, 0, h - t.shape[0], 0, w - t.shape[1], cv2.BORDER_CONSTANT) for t in r]
        tiles += [np.zeros((h, w, 3), np.uint8)] * (cols - len(r))
        out += [band, np.hstack(tiles)]
    return np.vstack(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="facefilter-bench expression", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", help="ONNX model (default: the shipped models/expression.onnx)")
    p.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads (default 1: the app's)")
    p.add_argument("--runs", type=int, default=500, help="timed calls per speed figure")
    p.add_argument("--no-speed", action="store_true")
    p.add_argument("--clips", nargs="*", default=list(DEFAULT_CLIPS), help="real-dev files ('' for none)")
    p.add_argument("--data", type=Path, default=SHARED_DATA / "real-dev")
    p.add_argument("--sheet", type=Path, help="contact sheet JPEG of the clips with their labels")
    p.add_argument("--sheet-frames", type=int, default=6)
    p.add_argument("--json", type=Path, help="write the figures here too")
    args = p.parse_args(argv)
    report: dict[str, object] = {}
    if not args.no_speed:
        s = speed(args.weights, args.threads, args.runs)
        report["speed"] = s
        print(f"ms per face ({args.threads} thread, load average {s['load_average_1min']:.1f} on {s['cpus']} CPUs): "
              f"network {s['network_ms_median']:.2f} median ({s['network_ms_p10']:.2f} p10); crop + network "
              f"{s['crop_and_network_ms_median']:.2f} ({s['crop_and_network_ms_p10']:.2f}); with flip-test "
              f"{s['flip_network_ms_median']:.2f} ({s['flip_network_ms_p10']:.2f})")
    clips = [c for c in args.clips if c]
    if clips:
        from facefilter.tracker import FaceTracker

        model = ExpressionModel.load(args.weights, device="cpu", threads=args.threads)
        tracker = FaceTracker(device="cpu")
        rows, titles, results = [], [], []
        try:
            for c in clips:
                res, tiles = run_clip(args.data / c, model, tracker, args.sheet_frames if args.sheet else 0)
                results.append(res)
                if tiles:
                    rows.append(tiles)
                    titles.append(f"{c}: smoothed label changes {res.get('smoothed_changes', 0)} "
                                  f"(raw argmax {res.get('raw_changes', 0)}) in {res['seconds']:.1f} s")
                print(json.dumps(res))
        finally:
            close = getattr(tracker, "close", None)
            if callable(close):
                close()
        report["clips"] = results
        if args.sheet and rows:
            args.sheet.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(args.sheet), contact_sheet(rows, titles), [cv2.IMWRITE_JPEG_QUALITY, 88])
            print(f"contact sheet: {args.sheet}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
