"""``facefilter-bench sheet``: a contact sheet of a benchmark clip as the tracker sees it.

Builds one clip of ``facefilter-bench pipeline`` (same faces, motion and noise), runs the tracker
over it once per variant (the default :class:`~facefilter.tracker.TrackerConfig`, and each
``--compare NAME:field=value,...``), and draws every ``--every``-th frame: one row of tiles per
variant, one tile per face, zoomed on the face's true position, with the tracked points and that
frame's NME. Prints each variant's motion figures (:mod:`facefilter.bench.motion`). Writes a JPEG.
"""

from __future__ import annotations

import argparse
import ast
import tempfile
from dataclasses import fields
from pathlib import Path

import cv2
import numpy as np

from facefilter.bench.motion import format_scores, match, motion_scores
from facefilter.bench.pipeline import DEFAULT_DATA, ClipSpec, build_clip, clip_specs
from facefilter.types import OUTER_EYE_CORNERS

# Point chains drawn as lines (iBUG 68): jaw, brows, nose bridge and base, eyes and lips (closed).
CHAINS: tuple[tuple[tuple[int, ...], bool], ...] = (
    (tuple(range(0, 17)), False), (tuple(range(17, 22)), False), (tuple(range(22, 27)), False),
    (tuple(range(27, 31)), False), (tuple(range(31, 36)), False), (tuple(range(36, 42)), True),
    (tuple(range(42, 48)), True), (tuple(range(48, 60)), True), (tuple(range(60, 68)), True),
)
COLOURS = ((0, 170, 255), (80, 230, 80), (255, 200, 60), (230, 90, 230))  # BGR, one per variant: orange, green...
SHIFT = 4  # cv2 fixed-point bits: sub-pixel drawing


def parse_variant(text: str) -> tuple[str, dict[str, object]]:
    """``"NAME:field=value,field=value"`` -> (name, TrackerConfig overrides); values are Python literals."""
    from facefilter.tracker import TrackerConfig

    name, sep, body = text.partition(":")
    if not sep or not name.strip():
        raise ValueError(f"--compare {text!r}: expected NAME:field=value,...")
    known = {f.name for f in fields(TrackerConfig)}
    out: dict[str, object] = {}
    for item in filter(None, (s.strip() for s in body.split(","))):
        key, eq, value = item.partition("=")
        if not eq or key not in known:
            raise ValueError(f"--compare {text!r}: {item!r} is not field=value of TrackerConfig ({sorted(known)})")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise ValueError(f"--compare {text!r}: {value!r} is not a Python literal") from None
    return name.strip(), out


def track_clip(clip: Path, overrides: dict[str, object], weights: str | None = None) -> list[tuple]:
    """The app's tracker (int8 network, BlazeFace) over ``clip``; per frame (points, ids)."""
    from facefilter.capture import VideoFileSource
    from facefilter.detect import BlazeFaceDetector
    from facefilter.landmarks import LandmarkModel
    from facefilter.landmarks.onnx import use_onnx
    from facefilter.tracker import FaceTracker, TrackerConfig

    model = LandmarkModel.load_single(weights, device="cpu")
    use_onnx(model, threads=1, precision="int8")
    cfg = TrackerConfig(**{"flip_test": False, **overrides})  # type: ignore[arg-type]
    detector = BlazeFaceDetector()
    tracker = FaceTracker(model, detector, config=cfg)
    src = VideoFileSource(clip)
    out: list[tuple] = []
    try:
        while (frame := src.read()) is not None:
            faces = tracker.process(frame, len(out) / (src.fps or 30.0))
            out.append(([f.landmarks for f in faces], [f.id for f in faces]))
    finally:
        src.close()
        detector.close()
    return out


def draw_points(img: np.ndarray, pts: np.ndarray, colour: tuple[int, int, int]) -> None:
    """Draw ``(68, 2)`` points (pixels of ``img``, BGR uint8, drawn in place) as chains over a dark edge."""
    p = np.round(np.asarray(pts, np.float64) * (1 << SHIFT)).astype(np.int32)
    for width, c in ((2, (20, 20, 20)), (1, colour)):
        for chain, closed in CHAINS:
            cv2.polylines(img, [p[list(chain)]], closed, c, width, cv2.LINE_AA, SHIFT)


def tile(frame: np.ndarray, center: np.ndarray, side: float, size: int,
         pts: np.ndarray | None, colour: tuple[int, int, int], label: str) -> np.ndarray:
    """A ``size`` x ``size`` BGR zoom on ``frame`` around ``center`` (``side`` frame px across) with points."""
    k = size / side
    m = np.array([[k, 0.0, size / 2 - k * center[0]], [0.0, k, size / 2 - k * center[1]]])
    out = cv2.warpAffine(frame, m, (size, size), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT)
    if pts is not None and np.all(np.isfinite(pts)):
        draw_points(out, pts @ m[:, :2].T + m[:, 2], colour)
    cv2.putText(out, label, (4, size - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(out, label, (4, size - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def contact_sheet(frames: list[np.ndarray], truth: np.ndarray, variants: dict[str, np.ndarray], every: int = 10,
                  columns: int = 6, size: int = 128, start: int = 0, title: str = "") -> np.ndarray:
    """BGR uint8 sheet: for every ``every``-th frame from ``start`` a block with one row per variant
    and one tile per face, under a ``title`` line.

    ``variants`` maps a name to its matched points ``(T, F, 68, 2)`` (NaN where missed,
    :func:`facefilter.bench.motion.match`); ``truth`` is ``(T, F, 68, 2)``. Tiles are zoomed on the
    true face centre, 1.2x the largest true box across, and say the frame's NME (% IOD).
    """
    if truth.ndim != 4 or len(frames) < len(truth):
        raise ValueError(f"need (T, F, 68, 2) truth and at least T frames, got {truth.shape} and {len(frames)}")
    a, b = OUTER_EYE_CORNERS
    side = 1.2 * float((truth.max(2) - truth.min(2)).max())
    blocks = []
    for t in range(start, len(truth), every):
        rows = []
        for (name, pts), colour in zip(variants.items(), COLOURS, strict=False):
            cells = []
            for k in range(truth.shape[1]):
                g = truth[t, k]
                err = np.linalg.norm(pts[t, k] - g, axis=1).mean() / np.linalg.norm(g[a] - g[b]) * 100
                text = f"{t:3d} {name}: " + ("missed" if not np.isfinite(err) else f"{err:.1f}%")
                cells.append(tile(frames[t], g.mean(0), side, size, pts[t, k], colour, text))
            rows.append(np.hstack(cells))
        block = np.vstack(rows)
        blocks.append(cv2.copyMakeBorder(block, 0, 4, 0, 4, cv2.BORDER_CONSTANT, value=(255, 255, 255)))
    if not blocks:
        raise ValueError(f"no frame to draw from {start} on (clip of {len(truth)})")
    while len(blocks) % columns:
        blocks.append(np.full_like(blocks[0], 255))
    sheet = np.vstack([np.hstack(blocks[i:i + columns]) for i in range(0, len(blocks), columns)])
    head = np.full((26, sheet.shape[1], 3), 255, np.uint8)
    cv2.putText(head, title, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([head, sheet])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="facefilter-bench sheet", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="300-W folder with labels.xml")
    ap.add_argument("--faces", default="2@70", help="one clip as in facefilter-bench pipeline --faces")
    ap.add_argument("--speed", default="3", help="motion speed of the clip")
    ap.add_argument("--frontal-only", action="store_true",
                    help="a clip of fairly frontal faces, as facefilter-bench pipeline --frontal-only")
    ap.add_argument("--every", type=int, default=10, help="draw every N-th frame")
    ap.add_argument("--start", type=int, default=0, help="first frame drawn (the motion starts at 60)")
    ap.add_argument("--columns", type=int, default=6, help="frames per row of the sheet")
    ap.add_argument("--size", type=int, default=128, help="tile side in px")
    ap.add_argument("--compare", action="append", default=[],
                    help="another tracker variant, NAME:field=value,... of TrackerConfig (repeatable); drawn first")
    ap.add_argument("--weights", default=None, help="landmark weights (default: the shipped ones)")
    ap.add_argument("--quality", type=int, default=80, help="JPEG quality")
    ap.add_argument("--out", type=Path, required=True, help="the JPEG to write")
    args = ap.parse_args(argv)
    specs = clip_specs(args.faces, args.speed, 2.0, 8.0, 2.0, args.frontal_only)
    if len(specs) != 1 or args.every < 1 or args.columns < 1:
        ap.error("give one clip (--faces, --speed) and positive --every, --columns")
    spec: ClipSpec = specs[0]
    variants = [parse_variant(v) for v in args.compare] + [("now", {})]
    with tempfile.TemporaryDirectory(prefix="facefilter-sheet-") as tmp:
        clip, truth = build_clip(spec, args.data, Path(tmp))
        cap = cv2.VideoCapture(str(clip))
        frames = []
        while (ok_frame := cap.read())[0]:
            frames.append(ok_frame[1])
        cap.release()
        matched = {}
        print(f"{spec.name}: {len(truth)} frames")
        for name, overrides in variants:
            res = track_clip(clip, overrides, args.weights)
            print(format_scores(name, motion_scores(res, truth, round(spec.still * spec.fps), spec.fps)))
            matched[name] = match(res, truth)[0]
    colours = ", ".join(f"{n} ({c})" for n, c in zip(matched, ("orange", "green", "blue", "pink"), strict=False))
    title = (f"facefilter-bench sheet: {spec.name}, every {args.every}th frame from {args.start}; rows: {colours}; "
             "tiles zoomed on each face, NME % IOD")
    sheet = contact_sheet(frames, truth, matched, args.every, args.columns, args.size, args.start, title)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(args.out), sheet, [cv2.IMWRITE_JPEG_QUALITY, args.quality]):
        raise OSError(f"{args.out}: cannot write the sheet")
    print(f"wrote {args.out} ({sheet.shape[1]}x{sheet.shape[0]}, {args.out.stat().st_size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
