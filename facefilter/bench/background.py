"""``facefilter-bench background``: speed and mask-quality figures of the background effects.

Frames are 640x480 webcam-like pictures made from the 300-W faces (``../shared/data/
ibug300w-train``): each 384x384 crop (head, hair, often shoulders) scaled to 480x480 and set in
the middle of a synthetic room (:func:`facefilter.bench.scene.background`), with camera noise
and a JPEG round trip. Printed (medians; the CPU may be shared with other work):

* speed, ms per frame (wall clock and this process's CPU time): each model alone, the
  refinements, smoothing, the blur, compositing, and mask + blur together
  (``BackgroundEffect.apply``) on a still and a moving clip, with the model every frame, every 2nd
  frame, and every 2nd frame unless the picture moves (the default);
* coverage: per model (fed the frame padded to its aspect ratio, or stretched to it), with and
  without refinement, the share of the pixels inside each face's landmark hull (68 points, convex)
  classified as person (mask >= 0.5), over all faces and over those whose crop has no black
  border, and the share of the room strips beside the photo classified as person (should be 0);
  then the default model, refined, with the faces the app's tracker finds in the frame drawn in
  as person (the effect's face prior; the tracker's landmarks, not the true ones);
* edge flicker on still clips: the mean absolute frame-to-frame change of the mask along the
  person's edge (a band 5 px each side of the mean mask's 0.5 contour), raw, refined, and
  refined + temporal smoothing;
* ghosting on a fast move (the photo sliding +-80 px at 1 Hz, up to 17 px per frame): the share
  of the person's area where the effect's mask (smoothed, maybe carried forward from the model's
  last run) disagrees with the mask the segmenter gives that very frame, and how often the model
  ran, for the model every frame, every 2nd frame, and every 2nd frame unless the picture moves.

``--write-clip AVI`` only writes the clip the README's screenshots are taken on.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from facefilter.background import (
    BackgroundEffect,
    BackgroundSpec,
    EffectConfig,
    MaskSmoother,
    PersonSegmenter,
    SegmenterConfig,
    blur_background,
    composite,
)
from facefilter.background.segmenter import DEFAULT_MODEL, upsample
from facefilter.bench.scene import background
from facefilter.data import SHARED_DATA

DEFAULT_DATA = SHARED_DATA / "ibug300w-train"
SIZE = (640, 480)
PHOTO = 480  # side of the 300-W crop in the frame
X0 = (SIZE[0] - PHOTO) // 2


def webcam_frame(photo: np.ndarray, room: np.ndarray, dx: int = 0) -> np.ndarray:
    """A 640x480 BGR frame: ``photo`` scaled to 480x480, its left edge at ``X0 + dx``, over ``room``."""
    frame = room.copy()
    img = cv2.resize(photo, (PHOTO, PHOTO), interpolation=cv2.INTER_AREA if photo.shape[0] > PHOTO else
                     cv2.INTER_LINEAR)
    x0 = X0 + dx
    a, b = max(0, x0), min(SIZE[0], x0 + PHOTO)
    frame[:, a:b] = img[:, a - x0 : b - x0]
    return frame


def camera(frame: np.ndarray, rng: np.random.Generator, noise: float = 3.0, quality: int = 85) -> np.ndarray:
    """``frame`` with Gaussian sensor noise (sigma grey levels) and a JPEG round trip, as a webcam delivers."""
    noisy = np.clip(frame + rng.normal(0, noise, frame.shape), 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def hull_mask(points: np.ndarray, scale: float, dx: float) -> np.ndarray:
    """bool 480x640: inside the convex hull of the 68 points (photo pixels -> frame pixels)."""
    p = np.asarray(points, np.float64) * scale
    p[:, 0] += X0 + dx
    p = np.round(p).astype(np.int32)
    out = np.zeros(SIZE[::-1], np.uint8)
    cv2.fillConvexPoly(out, cv2.convexHull(p), 1)
    return out.astype(bool)


def edge_band(mask: np.ndarray, half_width: int = 5) -> np.ndarray:
    """bool: pixels within ``half_width`` px of the 0.5 contour of ``mask``."""
    inside = (mask >= 0.5).astype(np.uint8)
    k = np.ones((2 * half_width + 1, 2 * half_width + 1), np.uint8)
    return (cv2.dilate(inside, k) - cv2.erode(inside, k)).astype(bool)


def median_ms(fn: Callable[[], object], repeats: int, calls: int = 1) -> tuple[float, float]:
    """Medians over ``repeats`` runs of ``calls`` calls of ``fn``, in ms per call: (wall clock, CPU time
    of this process). On a CPU shared with other work the wall clock includes waiting for a core;
    the CPU time does not (it counts every thread of the process, MediaPipe's too)."""
    fn()
    wall, cpu = [], []
    for _ in range(max(1, repeats // calls)):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(calls):
            fn()
        wall.append((time.perf_counter() - t0) / calls)
        cpu.append((time.process_time() - c0) / calls)
    return float(np.median(wall) * 1000), float(np.median(cpu) * 1000)


def load_faces(data: Path, n: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n`` (photo BGR, (68, 2) points) pairs from ``data``, a seeded sample (all when ``n`` <= 0)."""
    from facefilter.data import discover

    records = discover(data).records
    order = np.random.default_rng(seed).permutation(len(records))
    if n > 0:
        order = order[:n]
    out = []
    for i in order:
        img = cv2.imread(str(records[int(i)].image), cv2.IMREAD_COLOR)
        if img is not None:
            out.append((img, records[int(i)].points))
    if not out:
        raise RuntimeError(f"{data}: no readable faces")
    return out


EFFECTS = {
    "model every frame": EffectConfig(model_interval=1),
    "every 2nd frame, carried": EffectConfig(model_interval=2, rerun_share=1.0),
    "every 2nd, every frame on motion (default)": EffectConfig(),
}


def sliding_clip(photo: np.ndarray, room: np.ndarray, frames: int, seed: int, fps: float = 30.0) -> list[np.ndarray]:
    """The photo sliding +-80 px at 1 Hz (up to 17 px per frame), as a webcam delivers it."""
    rng = np.random.default_rng(seed)
    return [camera(webcam_frame(photo, room, round(80 * np.sin(2 * np.pi * t / fps))), rng) for t in range(frames)]


def speed(segmenters: dict[str, PersonSegmenter], photo: np.ndarray, room: np.ndarray,
          repeats: int) -> dict[str, tuple[float, float]]:
    frame = camera(webcam_frame(photo, room), np.random.default_rng(0))
    seg = segmenters[DEFAULT_MODEL]
    coarse, small = seg.coarse(frame)
    refined = seg.refine(coarse, small)
    mask = upsample(refined, frame.shape)
    full = upsample(coarse, frame.shape)
    smoother = MaskSmoother()
    smoother(seg.work_frame(camera(frame, np.random.default_rng(1))), refined)
    out: dict[str, tuple[float, float]] = {}
    for name, s in segmenters.items():
        out[f"model {name} (frame -> 320x240 -> model -> mask)"] = median_ms(lambda s=s: s.coarse(frame), repeats)
    out["refine: guided filter at 320x240 (ours)"] = median_ms(lambda: seg.refine(coarse, small), repeats)
    out["refine: cv2.ximgproc.guidedFilter, colour guide, 640x480"] = median_ms(
        lambda: cv2.ximgproc.guidedFilter(frame, full, 8, 1e-3 * 255 * 255), repeats)
    out["mask to 640x480 (bilinear)"] = median_ms(lambda: upsample(refined, frame.shape), repeats)
    out["temporal smoothing at 320x240"] = median_ms(lambda: smoother(small, refined), repeats)
    out["blur: GaussianBlur sigma 12 at 640x480"] = median_ms(lambda: cv2.GaussianBlur(frame, (0, 0), 12), repeats)
    out["blur: GaussianBlur sigma 6 at 320x240, scaled up"] = median_ms(
        lambda: cv2.resize(cv2.GaussianBlur(cv2.resize(frame, (320, 240), interpolation=cv2.INTER_AREA), (0, 0), 6),
                           SIZE, interpolation=cv2.INTER_LINEAR), repeats)
    out["blur: at 1/4 size, no mask"] = median_ms(lambda: blur_background(frame, None), repeats)
    out["blur: at 1/4 size, masked (ours)"] = median_ms(lambda: blur_background(frame, refined), repeats)
    eff = blur_background(frame, refined)
    out["composite"] = median_ms(lambda: composite(frame, eff, mask), repeats)
    still = [camera(webcam_frame(photo, room), np.random.default_rng(i)) for i in range(8)]
    moving = sliding_clip(photo, room, 60, seed=3)
    for name, s in segmenters.items():
        for label, cfg in EFFECTS.items():
            for clip_name, clip in (("still", still), ("moving", moving)):
                effect = BackgroundEffect(BackgroundSpec.parse("blur"), s, cfg)
                k = [0]

                def step(effect: BackgroundEffect = effect, clip: list[np.ndarray] = clip, k: list[int] = k) -> None:
                    effect.apply(clip[k[0] % len(clip)])
                    k[0] += 1

                ms = median_ms(step, repeats, calls=2)  # pairs: the model every 2nd frame runs in one of them
                runs = effect.model_runs / max(1, k[0]) * 100
                out[f"mask + blur, {name}, {label}, {clip_name} (model on {runs:.0f}% of frames)"] = ms
    return out


def black_border(photo: np.ndarray) -> bool:
    """True when the 300-W crop left the original photo (black corners): in a frame it is a picture in
    a black frame, which no webcam shows."""
    corners = [photo[:24, :24], photo[:24, -24:], photo[-24:, :24], photo[-24:, -24:]]
    return min(float(c.mean()) for c in corners) <= 20


def face_tracker() -> Callable[[np.ndarray], list]:
    """``faces(frame)``: the app's tracker (BlazeFace + the shipped landmark network) on one still frame."""
    from facefilter.tracker import FaceTracker

    tracker = FaceTracker()

    def faces(frame: np.ndarray) -> list:
        tracker.reset()
        return tracker.process(frame, 0.0)

    return faces


TRACKED = "+ tracked faces"  # the coverage row of the default segmenter with the effect's face prior


def coverage(segmenters: dict[str, PersonSegmenter], faces: list[tuple[np.ndarray, np.ndarray]],
             room: np.ndarray, track: Callable[[np.ndarray], list] | None = None) -> dict[str, dict[str, float]]:
    """Per segmenter, raw and refined: hull coverage (all faces, and faces without a black border) and
    the share of the room strips beside the photo marked as person. With ``track`` (a frame's tracked
    faces), also the default segmenter's refined mask with the faces the tracker found drawn in
    (:func:`~facefilter.background.faces.face_mask`, what the app's effect uses): its landmarks are
    the network's, not the true ones the hull is drawn from."""
    from facefilter.background.faces import face_mask

    rng = np.random.default_rng(0)
    strips = np.zeros(SIZE[::-1], bool)
    strips[:, : X0 - 4] = True
    strips[:, X0 + PHOTO + 4 :] = True
    res: dict[str, list[tuple[float, float, bool]]] = {}
    for photo, pts in faces:
        frame = camera(webcam_frame(photo, room), rng)
        hull = hull_mask(pts, PHOTO / photo.shape[1], 0)
        bordered = black_border(photo)
        for name, seg in segmenters.items():
            coarse, small = seg.coarse(frame)
            for refined in (False, True):
                small_mask = seg.refine(coarse, small) if refined else coarse
                person = upsample(small_mask, frame.shape) >= 0.5
                key = f"{name}, {'refined' if refined else 'raw'}"
                res.setdefault(key, []).append((float(person[hull].mean()), float(person[strips].mean()), bordered))
                if track is not None and refined and name == DEFAULT_MODEL:
                    prior = face_mask(track(frame), frame.shape, small_mask.shape)
                    with_faces = small_mask if prior is None else np.maximum(small_mask, prior)
                    person = upsample(with_faces, frame.shape) >= 0.5
                    res.setdefault(f"{key} {TRACKED}", []).append(
                        (float(person[hull].mean()), float(person[strips].mean()), bordered))
    out = {}
    for key, vals in res.items():
        a = np.asarray([v[:2] for v in vals])
        clean = a[[not v[2] for v in vals]]
        out[key] = {"hull_mean": float(a[:, 0].mean() * 100), "faces_99": float((a[:, 0] >= 0.99).mean() * 100),
                    "hull_min": float(a[:, 0].min() * 100),
                    "no_border_hull_mean": float(clean[:, 0].mean() * 100) if len(clean) else float("nan"),
                    "no_border_faces_99": float((clean[:, 0] >= 0.99).mean() * 100) if len(clean) else float("nan"),
                    "no_border_faces": float(len(clean)), "room_as_person": float(a[:, 1].mean() * 100)}
    return out


def flicker(seg: PersonSegmenter, faces: list[tuple[np.ndarray, np.ndarray]], room: np.ndarray,
            frames: int) -> dict[str, float]:
    """Mean |m_t - m_(t-1)| on the edge band of still clips (one per face), per variant."""
    variants = ["raw (the model's mask)", "refined (PersonSegmenter.mask)", *(f"effect: {k}" for k in EFFECTS)]
    sums: dict[str, list[float]] = {v: [] for v in variants}
    for k, (photo, _) in enumerate(faces):
        rng = np.random.default_rng(100 + k)
        clean = webcam_frame(photo, room)
        masks: dict[str, list[np.ndarray]] = {v: [] for v in variants}
        effects = {f"effect: {k}": BackgroundEffect(BackgroundSpec.parse("blur"), seg, c) for k, c in EFFECTS.items()}
        for _ in range(frames):
            f = camera(clean, rng)
            coarse, small = seg.coarse(f)
            masks[variants[0]].append(upsample(coarse, f.shape))
            masks[variants[1]].append(upsample(seg.refine(coarse, small), f.shape))
            for v, effect in effects.items():
                masks[v].append(effect.mask(f))
        band = edge_band(np.mean(masks[variants[0]], axis=0))
        for v in variants:
            m = np.asarray(masks[v])
            sums[v].append(float(np.abs(np.diff(m, axis=0))[:, band].mean()))
    return {v: float(np.mean(s)) for v, s in sums.items()}


def ghosting(seg: PersonSegmenter, faces: list[tuple[np.ndarray, np.ndarray]], room: np.ndarray,
             frames: int) -> dict[str, tuple[float, float]]:
    """(disagreement in % of the person's area with the per-frame mask, % of frames the model ran)
    while the photo slides fast, per effect configuration."""
    out: dict[str, list[float]] = {v: [] for v in EFFECTS}
    runs: dict[str, list[float]] = {v: [] for v in EFFECTS}
    for k, (photo, _) in enumerate(faces):
        effects = {v: BackgroundEffect(BackgroundSpec.parse("blur"), seg, c) for v, c in EFFECTS.items()}
        for t, f in enumerate(sliding_clip(photo, room, frames, seed=200 + k)):
            truth = seg.mask(f) >= 0.5
            area = max(1, int(truth.sum()))
            for v, effect in effects.items():
                m = effect.mask(f)
                if t >= 2:
                    out[v].append(float(((m >= 0.5) != truth).sum()) / area * 100)
        for v, effect in effects.items():
            runs[v].append(effect.model_runs / frames * 100)
    return {v: (float(np.mean(out[v])), float(np.mean(runs[v]))) for v in EFFECTS}


def demo_faces(data: Path, n: int) -> list[np.ndarray]:
    """``n`` photos of the pipeline benchmark's faces (validation split, fairly frontal) whose 300-W
    crop has no black border (the crop stayed inside the original photo), for demo clips."""
    from facefilter.bench.pipeline import pick_faces

    out = []
    for sprite in pick_faces(data, 40, seed=0):
        img = sprite.image
        corners = [img[:24, :24], img[:24, -24:], img[-24:, :24], img[-24:, -24:]]
        if min(float(c.mean()) for c in corners) > 20:
            out.append(img)
        if len(out) == n:
            return out
    raise RuntimeError(f"{data}: found only {len(out)} benchmark faces without a black border")


def write_demo_clip(path: Path, data: Path, seconds: float = 10.0, fps: float = 30.0, face: int = 0) -> Path:
    """A 640x480 MJPG AVI of a benchmark face framed as a webcam frames a person (the photo scaled to
    640x640, a 640x480 window on head and shoulders drifting +-12 px up and down every 4 s), with
    camera noise: what the README's background screenshots are taken on. The room is the photo's own."""
    photo = cv2.resize(demo_faces(data, face + 1)[face], (640, 640), interpolation=cv2.INTER_LINEAR)
    rng = np.random.default_rng(0)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, SIZE)
    if not writer.isOpened():
        raise RuntimeError(f"{path}: cannot write an MJPG AVI")
    for t in range(round(seconds * fps)):
        y0 = 40 + round(12 * np.sin(2 * np.pi * t / fps / 4))
        writer.write(camera(np.ascontiguousarray(photo[y0 : y0 + 480]), rng, noise=2.0, quality=95))
    writer.release()
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="facefilter-bench background", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="300-W folder with labels.xml")
    ap.add_argument("--faces", type=int, default=300, help="faces for the coverage figure (0: all)")
    ap.add_argument("--clips", type=int, default=8, help="faces for the flicker and ghosting clips")
    ap.add_argument("--frames", type=int, default=60, help="frames per clip")
    ap.add_argument("--repeats", type=int, default=200, help="timed runs per speed figure")
    ap.add_argument("--skip", nargs="*", default=[], choices=("speed", "coverage", "flicker", "ghosting"))
    ap.add_argument("--json", type=Path, default=None, help="write the figures here too")
    ap.add_argument("--write-clip", type=Path, metavar="AVI", help="only write the demo clip for the README's "
                    "screenshots (a benchmark face framed as by a webcam, 10 s) and stop")
    ap.add_argument("--clip-face", type=int, default=0, help="which benchmark face the demo clip shows")
    args = ap.parse_args(argv)
    if args.write_clip:
        print(f"wrote {write_demo_clip(args.write_clip, args.data, face=args.clip_face)}")
        return 0

    segs = {m: PersonSegmenter(SegmenterConfig(model=m)) for m in ("landscape", "square")}
    stretched = {f"{m}, stretched": PersonSegmenter(SegmenterConfig(model=m, pad=False))
                 for m in ("landscape", "square")}
    room = background(SIZE, 0)
    faces = load_faces(args.data, args.faces, seed=0)
    figures: dict[str, object] = {"options": {k: str(v) for k, v in vars(args).items()}}
    print(f"640x480 frames of 300-W faces ({args.data}); medians; the CPU may be shared with other work")
    if "speed" not in args.skip:
        sp = speed(segs, faces[0][0], room, args.repeats)
        figures["speed_ms"] = sp
        print("speed, ms per frame (median wall clock / median CPU time of this process):")
        for k, (wall, cpu) in sp.items():
            print(f"  {k:92s} {wall:6.2f} / {cpu:6.2f}")
    if "coverage" not in args.skip:
        cov = coverage({**segs, **stretched}, faces, room, face_tracker())
        figures["coverage_pct"] = cov
        n_clean = int(next(iter(cov.values()))["no_border_faces"])
        print(f"coverage on {len(faces)} faces, {n_clean} of them without a black border (% of the landmark-hull "
              "pixels with mask >= 0.5; faces with >= 99% of them; share of the room beside the photo as person):")
        for k, v in cov.items():
            print(f"  {k:46s} hull {v['hull_mean']:6.2f}%  faces >= 99%: {v['faces_99']:5.1f}%  worst "
                  f"{v['hull_min']:6.2f}%  | no border: hull {v['no_border_hull_mean']:6.2f}%  faces >= 99%: "
                  f"{v['no_border_faces_99']:5.1f}%  | room as person {v['room_as_person']:5.2f}%")
    clip_faces = faces[: args.clips]
    if "flicker" not in args.skip:
        fl = flicker(segs[DEFAULT_MODEL], clip_faces, room, args.frames)
        figures["edge_flicker"] = fl
        print(f"edge flicker on {len(clip_faces)} still clips of {args.frames} frames (noise 3, JPEG 85; mean |dm| "
              "per frame on the edge band, mask units):")
        for k, v in fl.items():
            print(f"  {k:62s} {v:.4f}")
    if "ghosting" not in args.skip:
        gh = ghosting(segs[DEFAULT_MODEL], clip_faces, room, args.frames)
        figures["ghosting_pct"] = gh
        print(f"fast move (+-80 px at 1 Hz) on {len(clip_faces)} clips: % of the person's area where the mask "
              "disagrees with that frame's own mask:")
        for k, (v, r) in gh.items():
            print(f"  {k:55s} {v:5.2f}%  (model on {r:.0f}% of frames)")
    for s in (*segs.values(), *stretched.values()):
        s.close()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
