"""``facefilter-bench filters``: median render time per face per layer of every built-in filter.

Renders each filter on a synthetic 640x480 frame holding 1 and then 3 template faces (mouth open,
so conditional layers such as the puppy's tongue are drawn too) and prints the median time of
``Filter.render`` divided by faces x layers. The whole frame copy is included. Renders are 1/30 s
apart, so animated layers and particles run. Then the particle case: one face with an emitter
holding 200 live particles (the built-in hearts picture), its render time and that of the same
frame without the layer. Targets: 3 ms per face per layer for stickers, 1.5 for head-space
layers, 6 ms per face for a face swap (it reads, warps and colour-matches a whole face). A
benchmark, not a test: the numbers depend on the machine and on
whatever else runs on it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from facefilter.filters import Filter, builtin_filters
from facefilter.filters.geometry import template_face
from facefilter.filters.loader import builtin_dir
from facefilter.filters.manifest import Placement

LAYOUTS = {
    1: [((320.0, 210.0), 120.0, 0.0)],
    3: [((130.0, 200.0), 80.0, -12.0), ((330.0, 240.0), 95.0, 5.0), ((520.0, 190.0), 70.0, 15.0)],
}


def scene(width: int, height: int, n_faces: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """A deterministic textured BGR frame and ``n_faces`` faces (1 or 3) with open mouths."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    frame = np.stack([x / width * 200 + 30, y / height * 160 + 50, (x + y) / (width + height) * 120 + 60], -1)
    frame += rng.normal(0, 8, frame.shape).astype(np.float32)
    sx, sy = width / 640, height / 480
    faces = [template_face((c[0] * sx, c[1] * sy), iod * sx, roll, 0.25) for c, iod, roll in LAYOUTS[n_faces]]
    return np.clip(frame, 0, 255).astype(np.uint8), faces


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="facefilter-bench filters", description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="640x480", help="frame size WxH (default 640x480)")
    ap.add_argument("--repeats", type=int, default=40, help="timed renders per filter and face count")
    ap.add_argument("--threads", type=int, default=None, help="cv2.setNumThreads (default: OpenCV's choice)")
    args = ap.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    if args.threads is not None:
        cv2.setNumThreads(args.threads)
    filters = builtin_filters()
    print(f"frame {width}x{height}, {args.repeats} renders each, OpenCV threads {cv2.getNumThreads()}; "
          "ms = median Filter.render time")  # fmt: skip
    header = f"{'filter':<16}{'layers':>7}{'1 face ms':>11}{'/face/layer':>13}{'3 faces ms':>12}{'/face/layer':>13}"
    print(header)
    print("-" * len(header))
    worst = worst_head = worst_swap = 0.0
    for name, flt in filters.items():
        n_layers = len(flt.manifest.layers)
        head = any(layer.placement is Placement.HEAD for layer in flt.manifest.layers)
        swap = any(layer.placement is Placement.SWAP for layer in flt.manifest.layers)
        row = f"{name:<16}{n_layers:>7}"
        for n_faces in (1, 3):
            frame, faces = scene(width, height, n_faces)
            flt.reset()
            for i in range(3):
                flt.render(frame, faces, i / 30)
            times = []
            for i in range(3, 3 + args.repeats):
                t0 = time.perf_counter()
                flt.render(frame, faces, i / 30)
                times.append((time.perf_counter() - t0) * 1000)
            med = statistics.median(times)
            per = med / (n_faces * n_layers)
            if swap:  # a face swap has its own target, per face
                worst_swap = max(worst_swap, med / n_faces)
            else:
                worst = max(worst, per)
            worst_head = max(worst_head, per) if head else worst_head
            row += f"{med:>11.2f}{per:>13.2f}" if n_faces == 1 else f"{med:>12.2f}{per:>13.2f}"
        print(row)
    print(f"worst ms per face per layer, face swaps aside: {worst:.2f} (target <= 3 ms at 640x480)")
    print(f"worst ms per face of the face swaps: {worst_swap:.2f} (target <= 6 ms at 640x480)")
    print(f"worst ms per face per layer of the head-space filters: {worst_head:.2f} (target <= 1.5 ms at 640x480)")
    with_p, without, live = particle_case(width, height, args.repeats)
    print(f"particles: {live} live on one face: render {with_p:.2f} ms, without the layer {without:.2f} ms: "
          f"{with_p - without:.2f} ms for the particles (target <= 2 ms at 640x480)")  # fmt: skip
    return 0


PARTICLES = {"anchor": [27], "offset": [0.0, -0.3], "area": [0.9, 0.5], "rate": 400, "lifetime": 1.0,
             "velocity": [0.0, -0.8], "spread": 90, "speed_jitter": 0.5, "gravity": [0.0, -0.5], "drag": 0.5,
             "size": 0.22, "size_jitter": 0.35, "grow": 1.3, "angle_jitter": 30, "spin_jitter": 90,
             "fade_in": 0.15, "fade_out": 0.4, "max_particles": 200}  # fmt: skip


def particle_case(width: int, height: int, repeats: int) -> tuple[float, float, int]:
    """Median render ms of one face with a 200-particle emitter and without it, and the live count."""
    frame, faces = scene(width, height, 1)
    with tempfile.TemporaryDirectory(prefix="facefilter-bench-") as tmp:
        folder = Path(tmp) / "particles"
        folder.mkdir()
        hearts = builtin_dir() / "hearts"
        (folder / "hearts.png").write_bytes((hearts / "hearts.png").read_bytes())
        (folder / "thumbnail.png").write_bytes((hearts / "thumbnail.png").read_bytes())
        layer = {"placement": "particles", "image": "hearts.png", "emitter": PARTICLES}
        (folder / "manifest.json").write_text(json.dumps({"title": "Particles", "layers": [layer]}))
        flt = Filter.load(folder)
    t = 0.0
    while t < 1.5:  # fill up to the cap
        flt.render(frame, faces, t)
        t += 1 / 30
    times, bare = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        flt.render(frame, faces, t)
        times.append((time.perf_counter() - t0) * 1000)
        t += 1 / 30
        t0 = time.perf_counter()
        frame.copy()  # what a render does besides drawing: the copy of the frame
        bare.append((time.perf_counter() - t0) * 1000)
    state = flt.state
    live = sum(len(s) for f in state.faces.values() for s in f.slots.values()) if state is not None else 0
    return statistics.median(times), statistics.median(bare), live


if __name__ == "__main__":
    sys.exit(main())
