"""``python -m facefilter.tools.lens_demo --out docs/``: the reacting lenses played on a scripted face.

A neutral frontal 300-W face (``ibug300w-train``, its annotated landmarks) is animated by moving
its landmarks through a script: neutral (while each lens learns its baseline), mouth open, neutral,
smile, neutral, wink, neutral. Each frame is the photo bent onto the scripted landmarks with the
filters' piecewise-affine mesh (:func:`facefilter.filters.render.draw_mesh`), with a dark mouth
opening and a lash line painted where the picture has none; then the lenses (default: rainbow,
hearts, sparkle) render it one after the other with the frame time. Writes:

* ``lens_demo.mp4``: the clip (30 fps, H.264 when OpenCV has it, else MPEG-4 part 2);
* ``lens_demo_sheet.jpg``: every 5th frame, labelled with its time, the script's expression and
  the triggers on (judged by the same trigger code the lenses use);
* ``lens_demo.jpg``: four frames side by side (neutral, mouth open, smile, wink) for the README.

``--measure`` prints instead the 300-W statistics that the triggers' thresholds were chosen from
(see :mod:`facefilter.filters.triggers`).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from facefilter.filters import geometry, render
from facefilter.filters import triggers as tr
from facefilter.filters.engine import Filter
from facefilter.filters.loader import builtin_filters
from facefilter.filters.state import FaceInput, LiveFaces
from facefilter.tools.gallery import default_data_dir
from facefilter.types import Box, Face

FPS = 30.0
# (start s, end s, expression, peak): ramps of RAMP s at both ends of each expression.
SCRIPT = [(1.5, 3.9, "mouth open", 0.34), (4.8, 7.6, "smile", 0.085), (8.4, 9.2, "wink", 1.0)]
RAMP = {"mouth open": 0.3, "smile": 0.3, "wink": 0.12}
DURATION = 10.5
SHOWN = [tr.DEFAULTS[e] for e in (tr.Event.MOUTH_OPEN, tr.Event.SMILE, tr.Event.WINK_RIGHT, tr.Event.BLINK)]


@dataclass(frozen=True)
class Expression:
    """How far each scripted expression is at one moment (0: not at all)."""

    mouth: float = 0.0  # jaw drop, template units
    smile: float = 0.0  # mouth corners out and up, template units
    wink: float = 0.0  # right eye (points 36..41) closed, 0..1

    @property
    def label(self) -> str:
        names = [n for n, v in (("mouth open", self.mouth), ("smile", self.smile), ("wink", self.wink)) if v > 0]
        return ", ".join(names) or "neutral"


def expression_at(t: float) -> Expression:
    """The script at time ``t`` s: smooth ramps in and out of each expression."""
    values = {"mouth open": 0.0, "smile": 0.0, "wink": 0.0}
    for start, end, name, peak in SCRIPT:
        r = RAMP[name]
        if start <= t <= end:
            k = min((t - start) / r, (end - t) / r, 1.0)
            values[name] = peak * (0.5 - 0.5 * np.cos(np.pi * k))
    return Expression(values["mouth open"], values["smile"], values["wink"])


def drive(points: np.ndarray, e: Expression) -> np.ndarray:
    """The face's ``(68, 2)`` landmarks (pixels) moved into expression ``e``, in the face's own frame."""
    m = geometry.face_similarity(points)
    q = geometry.apply_affine(geometry.invert_affine(m), points)  # template units
    d = np.zeros_like(q)
    if e.mouth:
        d[[56, 57, 58, 65, 66, 67], 1] += e.mouth
        d[[55, 59], 1] += 0.7 * e.mouth
        d[[61, 62, 63], 1] -= 0.12 * e.mouth
        d[[50, 51, 52], 1] -= 0.06 * e.mouth
        jaw = np.arange(3, 14)
        d[jaw, 1] += e.mouth * np.clip((q[jaw, 1] - 0.55) / 0.75, 0, 1)
        d[[48, 54, 60, 64], 1] += 0.25 * e.mouth
        d[[48, 60], 0] += 0.12 * e.mouth
        d[[54, 64], 0] -= 0.12 * e.mouth
    if e.smile:
        s = e.smile
        moves = (([48, 60], -1, 1.0), ([54, 64], 1, 1.0), ([49, 59, 61, 67], -1, 0.5), ([53, 55, 63, 65], 1, 0.5))
        for idx, side, k in moves:
            d[idx, 0] += side * k * s
            d[idx, 1] -= 0.8 * k * s
        d[[40, 41, 46, 47], 1] -= 0.12 * s  # cheeks push the lower lids up a little
    if e.wink:
        lower = q[[41, 40]] + (0.0, -0.005)
        d[[37, 38]] += e.wink * (lower - q[[37, 38]])
        d[17:22, 1] += 0.04 * e.wink
    return geometry.apply_affine(m, q + d)


def pick_face(data: Path) -> tuple[np.ndarray, np.ndarray]:
    """A large, frontal, upright 300-W face with closed lips and open eyes: (BGR image, points)."""
    from facefilter.data import discover

    records = discover(data / "ibug300w-train").records
    best, best_score = None, np.inf
    for i, r in enumerate(records):
        p = r.points.astype(np.float64)
        scale = geometry.face_scale(p)
        m = tr.face_measures(p, scale)
        sim = geometry.face_similarity(p)
        roll = abs(np.degrees(np.arctan2(sim[1, 0], sim[0, 0])))
        d0, d1 = np.linalg.norm(p[30] - p[0]), np.linalg.norm(p[30] - p[16])
        yaw = abs(d0 - d1) / (d0 + d1)
        if m[tr.MOUTH_OPEN] > 0.002 or min(m[tr.EYE_R], m[tr.EYE_L]) < 0.28 or scale < 120:
            continue
        score = roll + 60 * yaw + 40 * abs(m[tr.MOUTH_WIDTH] - 0.58)
        if score < best_score:
            best, best_score = i, score
    if best is None:
        raise FileNotFoundError(f"no neutral frontal face in {data / 'ibug300w-train'}")
    img = cv2.imread(str(records[best].image), cv2.IMREAD_COLOR)
    return img, records[best].points.astype(np.float64)


class Puppet:
    """Bends one photo onto moved landmarks (the filters' mesh) and paints what the photo lacks."""

    def __init__(self, image: np.ndarray, points: np.ndarray) -> None:
        self.image = image
        self.points = points
        self.texture = render.Sprite.from_bgra(cv2.cvtColor(image, cv2.COLOR_BGR2BGRA))
        self.src = geometry.extend_landmarks(points)
        # The mesh's outer ring is pushed 3x further out than the filters' and pinned: the bent face
        # then meets the untouched photo far from the jaw, and a dropping chin has room.
        first = geometry.N_LANDMARKS + geometry.N_FOREHEAD
        rim = self.src[np.r_[0:17, geometry.N_LANDMARKS:first]]
        self.src[first:] = rim + 3 * (self.src[first:] - rim)
        self.tris = geometry.mesh_triangles()

    def frame(self, e: Expression) -> tuple[np.ndarray, np.ndarray]:
        """``(BGR frame, (68, 2) landmarks)`` of the photo in expression ``e``."""
        pts = drive(self.points, e)
        out = self.image.copy()
        dst = geometry.extend_landmarks(pts)
        first = geometry.N_LANDMARKS + geometry.N_FOREHEAD
        dst[first:] = self.src[first:]
        render.draw_mesh(out, self.texture, self.src, dst, self.tris, scale=1.0)
        scale = geometry.face_scale(pts)
        if e.mouth > 0.01:
            self._mouth(out, pts, scale)
        if e.wink > 0.5:
            lid = np.round(pts[[36, 41, 40, 39]] * 16).astype(np.int32)
            cv2.polylines(out, [lid], False, (30, 25, 30), max(1, round(scale * 0.018)), cv2.LINE_AA, shift=4)
        return out, pts

    @staticmethod
    def _mouth(out: np.ndarray, pts: np.ndarray, scale: float) -> None:
        """A dark mouth opening with a hint of upper teeth, blended softly inside the inner lips."""
        h, w = out.shape[:2]
        mask = np.zeros((h, w), np.float32)
        cv2.fillPoly(mask, [np.round(pts[60:68] * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
        mask = cv2.GaussianBlur(mask, (0, 0), max(0.6, scale * 0.01))
        y = np.arange(h, dtype=np.float32)[:, None]
        top = pts[[61, 62, 63], 1].mean()
        teeth = np.clip(1 - (y - top) / (0.07 * scale), 0, 1) * np.clip((y - top) / (0.015 * scale) + 0.5, 0, 1)
        cavity = np.array([40, 25, 70], np.float32)
        colour = cavity + teeth[..., None] * (np.array([205, 215, 225], np.float32) - cavity)
        colour = np.broadcast_to(colour, (h, w, 3))
        a = mask[..., None]
        out[:] = np.clip(out * (1 - a) + colour * a + 0.5, 0, 255).astype(np.uint8)


def play(puppet: Puppet, lenses: list[Filter], n_frames: int) -> tuple[list[np.ndarray], list[str]]:
    """Render the script: frames and their labels (time, expression, triggers on)."""
    for f in lenses:
        f.reset()
    judge = LiveFaces(frozenset(SHOWN))
    frames, labels = [], []
    h, w = puppet.image.shape[:2]
    for i in range(n_frames):
        t = i / FPS
        e = expression_at(t)
        img, pts = puppet.frame(e)
        face = Face(Box.from_points(pts), pts.astype(np.float32), id=1)
        for f in lenses:
            img = f.render(img, [face], t)
        live = judge.update([FaceInput(1, pts, geometry.face_scale(pts))], t, (w, h))[0]
        on = [s.event.value for s in SHOWN if live.trigger(s).active]
        frames.append(img)
        labels.append(f"{t:4.2f}s {e.label}" + (f" [{', '.join(on)}]" if on else ""))
    return frames, labels


def contact_sheet(
    frames: list[np.ndarray], labels: list[str], every: int = 5, cols: int = 9, cell: int = 200
) -> np.ndarray:
    """Every ``every``-th frame in a grid of ``cols`` columns, each ``cell`` px wide, labelled."""
    picked = list(range(0, len(frames), every))
    rows = -(-len(picked) // cols)
    h0, w0 = frames[0].shape[:2]
    ch = round(cell * h0 / w0)
    band = 30
    sheet = np.full((rows * (ch + band), cols * cell, 3), 245, np.uint8)
    for k, i in enumerate(picked):
        r, c = divmod(k, cols)
        y, x = r * (ch + band), c * cell
        sheet[y : y + ch, x : x + cell] = cv2.resize(frames[i], (cell, ch), interpolation=cv2.INTER_AREA)
        time_part, _, rest = labels[i].partition(" ")
        font = cv2.FONT_HERSHEY_SIMPLEX
        cv2.putText(sheet, time_part, (x + 4, y + ch + 12), font, 0.38, (30, 30, 30), 1, cv2.LINE_AA)
        cv2.putText(sheet, rest[:34], (x + 4, y + ch + 25), font, 0.33, (90, 40, 40), 1, cv2.LINE_AA)
    return sheet


def write_video(path: Path, frames: list[np.ndarray]) -> str:
    """Write ``frames`` at :data:`FPS`; returns the codec used (H.264 if this OpenCV has it)."""
    h, w = frames[0].shape[:2]
    level = cv2.getLogLevel()
    for fourcc in ("avc1", "mp4v"):
        cv2.setLogLevel(0)  # silent: a missing H.264 encoder is not an error here
        try:
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), FPS, (w, h))
        finally:
            cv2.setLogLevel(level)
        if writer.isOpened():
            for f in frames:
                writer.write(f)
            writer.release()
            return fourcc
    raise RuntimeError(f"{path}: OpenCV cannot write MP4 here")


def measure(data: Path) -> None:
    """Print the 300-W statistics behind the trigger thresholds (see :mod:`facefilter.filters.triggers`)."""
    from facefilter.data import discover

    records = discover(data / "ibug300w-train").records
    pts = [r.points.astype(np.float64) for r in records]
    m = np.array([tr.face_measures(p, geometry.face_scale(p)) for p in pts])
    gap_px = np.array([np.linalg.norm(p[[61, 62, 63]] - p[[67, 66, 65]], axis=1).mean() for p in pts])
    lids_px = np.array([[np.linalg.norm(p[[e + 1, e + 2]] - p[[e + 5, e + 4]], axis=1).mean() for e in (36, 42)]
                        for p in pts])  # fmt: skip
    pct = (5, 10, 25, 50, 75, 90, 95)
    closed = gap_px < 0.5
    mo, mw = m[:, tr.MOUTH_OPEN], m[:, tr.MOUTH_WIDTH]
    print(f"{len(pts)} faces. Mouth: {closed.sum()} annotated closed (inner lips < 0.5 px apart), "
          f"mouth_open at most {mo[closed].max():.4f}")  # fmt: skip
    print(f"  parted lips ({(~closed).sum()}): mouth_open percentiles {pct}: "
          f"{np.round(np.percentile(mo[~closed], pct), 3)}")  # fmt: skip
    smiles = mw > 0.75
    print(f"  broad smiles (mouth_width > 0.75, {smiles.sum()}): mouth_open percentiles 50/90: "
          f"{np.round(np.percentile(mo[smiles], [50, 90]), 3)}")  # fmt: skip
    for thr in (0.15, 0.22):
        print(f"  mouth_open > {thr}: {np.mean(mo > thr) * 100:.1f}% of all faces, "
              f"{np.mean(mo[smiles] > thr) * 100:.1f}% of broad smiles")  # fmt: skip
    eyes = m[:, [tr.EYE_R, tr.EYE_L]]
    shut = lids_px < 1.0
    print(f"Eyes: {shut.sum()} annotated closed (lids < 1 px apart): aspect ratio max {eyes[shut].max():.3f}, "
          f"median {np.median(eyes[shut]):.3f}; open ({(~shut).sum()}): percentiles 1/5/50 "
          f"{np.round(np.percentile(eyes[~shut], [1, 5, 50]), 3)}")  # fmt: skip
    for ratio in (0.45, 0.6):
        thr = ratio * tr.POPULATION[tr.EYE_R]
        print(f"  eye < {ratio} x {tr.POPULATION[tr.EYE_R]} = {thr:.3f}: "
              f"{np.mean(eyes[shut] < thr) * 100:.0f}% of closed, "
              f"{np.mean(eyes[~shut] < thr) * 100:.1f}% of open eyes")  # fmt: skip
    print(f"Smile: mouth_width median of closed-lip faces {np.median(mw[closed]):.3f}; all faces percentiles "
          f"50/75/90 {np.round(np.percentile(mw, [50, 75, 90]), 3)}; 1.15 x 0.584 = {1.15 * 0.584:.3f} exceeded by "
          f"{np.mean(mw > 1.15 * 0.584) * 100:.1f}%")  # fmt: skip
    br = m[:, tr.BROWS]
    print(f"Brows: median {np.median(br):.3f}, percentiles 5/95 {np.round(np.percentile(br, [5, 95]), 3)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m facefilter.tools.lens_demo", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("docs"), help="folder for the MP4 and the JPEGs")
    ap.add_argument("--data", type=Path, default=default_data_dir(), help="shared data folder (holds ibug300w-train)")
    ap.add_argument("--lenses", default="rainbow,hearts,sparkle", help="built-in filters to chain, in order")
    ap.add_argument("--measure", action="store_true", help="print the 300-W statistics behind the triggers and exit")
    args = ap.parse_args(argv)
    if args.measure:
        measure(args.data)
        return 0
    filters = builtin_filters()
    names = [n.strip() for n in args.lenses.split(",") if n.strip()]
    missing = [n for n in names if n not in filters]
    if missing:
        ap.error(f"unknown filters {missing}; built-in: {', '.join(filters)}")
    image, points = pick_face(args.data)
    frames, labels = play(Puppet(image, points), [filters[n] for n in names], round(DURATION * FPS))
    args.out.mkdir(parents=True, exist_ok=True)
    codec = write_video(args.out / "lens_demo.mp4", frames)
    sheet = contact_sheet(frames, labels)
    cv2.imwrite(str(args.out / "lens_demo_sheet.jpg"), sheet, [cv2.IMWRITE_JPEG_QUALITY, 85])
    moments = [1.0, 3.0, 6.4, 8.9]
    strip = np.hstack([frames[round(t * FPS)] for t in moments])
    cv2.imwrite(str(args.out / "lens_demo.jpg"), strip, [cv2.IMWRITE_JPEG_QUALITY, 85])
    for name in ("lens_demo.mp4", "lens_demo_sheet.jpg", "lens_demo.jpg"):
        p = args.out / name
        print(f"wrote {p} ({p.stat().st_size / 1024:.0f} KB{', ' + codec if name.endswith('.mp4') else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
