"""``facefilter-bench swap``: what a face swap costs per face, and what Poisson blending buys.

Pairs of 300-W faces (upright, fairly frontal, from ``--data``): each target photo is scaled so
its face is ``--iod`` pixels across (a webcam face at arm's length) and put in a 640x480 frame;
the next face of the list is swapped onto it, with the feathered mask (what the app does) and
with ``cv2.seamlessClone`` (Poisson). Printed per method: the median ms per face of
:func:`facefilter.filters.swap.swap_face` (and of taking the source from a frame, as the live
two-face swap does each frame), and two seam figures measured on the blend's soft edge (where
the mask is between 0.05 and 0.95): the gradient it adds there (mean Sobel magnitude of the
output in 8-bit Lab minus the target's own) and the colour step across it (Lab distance between
the mean colours just inside and just outside the edge, output minus target). Lower is a less
visible seam. A benchmark, not a test: the times depend on the machine and what else runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from facefilter.data import SHARED_DATA
from facefilter.filters import geometry, swap

SIZE = (640, 480)


def default_data() -> Path:
    return SHARED_DATA / "ibug300w-train"


def pick(data: Path, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n`` upright, fairly frontal 300-W faces (image, (68, 2) points), in file order."""
    from facefilter.data import discover

    out = []
    for rec in discover(data).records:
        p = rec.points.astype(np.float64)
        yaw = swap.face_yaw(p, (384, 384))
        roll = np.degrees(np.arctan2(*(p[45] - p[36])[::-1]))
        if yaw is None or abs(yaw) > 20 or abs(roll) > 15 or geometry.face_scale(p) < 80:
            continue
        img = cv2.imread(str(rec.image), cv2.IMREAD_COLOR)
        if img is not None:
            out.append((img, p))
        if len(out) == n:
            break
    return out


def in_frame(img: np.ndarray, pts: np.ndarray, iod: float) -> tuple[np.ndarray, np.ndarray]:
    """The photo scaled to a face ``iod`` px wide (template units), centred in a 640x480 frame."""
    k = iod / geometry.face_scale(pts)
    c = pts.mean(0)
    m = np.array([[k, 0, SIZE[0] / 2 - k * c[0]], [0, k, SIZE[1] / 2 - k * c[1]]])
    frame = cv2.warpAffine(img, m, SIZE, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    return frame, geometry.apply_affine(m, pts)


def seam_figures(out: np.ndarray, target: np.ndarray, pts: np.ndarray) -> tuple[float, float]:
    """(added gradient, colour step) on the soft edge of the swap mask; see the module docstring."""
    mask = swap.face_mask((0, 0, SIZE[0], SIZE[1]), swap.face_outline(geometry.extend_landmarks(pts)), pts,
                          geometry.face_scale(pts))  # fmt: skip
    band = (mask > 0.05) & (mask < 0.95)
    inner, outer = (mask > 0.9) & (mask < 0.99), (mask > 0.01) & (mask < 0.1)

    def grad(img: np.ndarray) -> np.ndarray:
        lab = cv2.cvtColor(img, cv2.COLOR_BGR2Lab).astype(np.float32)
        gx, gy = cv2.Sobel(lab, cv2.CV_32F, 1, 0), cv2.Sobel(lab, cv2.CV_32F, 0, 1)
        return np.sqrt((gx**2 + gy**2).sum(-1))

    def step(img: np.ndarray) -> float:
        lab = cv2.cvtColor(img, cv2.COLOR_BGR2Lab).astype(np.float64)
        return float(np.linalg.norm(lab[inner].mean(0) - lab[outer].mean(0)))

    return float(grad(out)[band].mean() - grad(target)[band].mean()), step(out) - step(target)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="facefilter-bench swap", description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=default_data(), help="300-W folder with labels.xml")
    ap.add_argument("--pairs", type=int, default=12, help="faces (each swapped onto the previous one)")
    ap.add_argument("--iod", type=float, default=100.0, help="face size in the 640x480 frame (px per template unit)")
    ap.add_argument("--repeats", type=int, default=15, help="timed swaps per face and method")
    ap.add_argument("--threads", type=int, default=None, help="cv2.setNumThreads (default: OpenCV's choice)")
    args = ap.parse_args(argv)
    if args.threads is not None:
        cv2.setNumThreads(args.threads)
    faces = [in_frame(img, p, args.iod) for img, p in pick(args.data, args.pairs)]
    if len(faces) < 2:
        print(f"facefilter-bench swap: too few faces in {args.data}", file=sys.stderr)
        return 1
    times: dict[str, list[float]] = {"feather": [], "poisson": [], "source": []}
    seams: dict[str, list[tuple[float, float]]] = {"feather": [], "poisson": []}
    for k in range(len(faces)):
        (a, pa), (b, pb) = faces[k], faces[k - 1]
        t0 = time.perf_counter()
        for _ in range(args.repeats):
            src = swap.SourceFace.from_image(a, pa, yaw=swap.face_yaw(pa, SIZE))
        times["source"].append((time.perf_counter() - t0) / args.repeats * 1000)
        yaw_b = swap.face_yaw(pb, SIZE)
        for method in ("feather", "poisson"):
            samples = []
            for _ in range(args.repeats):
                out = b.copy()
                t0 = time.perf_counter()
                swap.swap_face(out, pb, src, target_yaw=yaw_b, poisson=method == "poisson")
                samples.append((time.perf_counter() - t0) * 1000)
            times[method].append(statistics.median(samples))
            seams[method].append(seam_figures(out, b, pb))
    print(f"{len(faces)} faces of 300-W, {args.iod:g} px per template unit in 640x480, {args.repeats} swaps each, "
          f"OpenCV threads {cv2.getNumThreads()}; medians over the faces")  # fmt: skip
    print(f"taking the source face from a frame: {statistics.median(times['source']):.2f} ms")
    print(f"{'blend':<10}{'ms/face':>9}{'added edge gradient':>22}{'colour step (Lab)':>20}")
    for method in ("feather", "poisson"):
        g = statistics.median(s[0] for s in seams[method])
        c = statistics.median(s[1] for s in seams[method])
        print(f"{method:<10}{statistics.median(times[method]):>9.2f}{g:>22.2f}{c:>20.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
