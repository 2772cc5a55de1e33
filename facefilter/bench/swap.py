"""``facefilter-bench swap``: whose face a swap shows, what it keeps, what it costs, how its seam looks.

Held-out 300-W faces (the validation split of ``--data``, :func:`facefilter.data.split_indices`
seed 0: faces no test or threshold was tuned on), fairly upright (|yaw| <= 30 deg, |roll| <= 20
deg), are taken two by two; each pair is put side by side in one 640x480 frame (two people in a
call, ``--iod`` pixels per template unit), our landmark model finds both faces' points there
(:meth:`facefilter.landmarks.LandmarkModel.load_single` on the tight box of the annotation, as the
tracker's landmark stage does), and the built-in ``face_swap`` filter trades the faces. Printed:

* **identity**, judged by a network this project never used: dlib's ResNet face descriptor
  (``dlib-bin`` and ``face_recognition_models``, the ``bench`` extra; its 5-point aligner on the
  box of our points). For each pair, the descriptor of the output at B against those of A and B in
  the input: the share of pairs where it is nearer A than B, and within 0.6 (dlib's same-person
  distance) of A;
* **expression and pose kept**: our model's points found on the output at B, against those on B
  in the input: the share of pairs within 4% of the inter-ocular distance (mean point error);
* **a face swapped with an identical copy of itself**, side by side and stacked one above the
  other (annotated points, so the two copies' points are exact): PSNR inside each face's hull
  (minimum and median over faces and both positions);
* **speed**: CPU ms (this thread's; OpenCV runs on one) per swapped face of the whole filter on
  a 640x480 frame with two faces (median); and of :func:`facefilter.filters.swap.swap_face` alone, feathered and Poisson
  (``cv2.seamlessClone``);
* **the seam**, feathered and Poisson: the colour step across the blend's soft edge (Lab
  distance between the mean colours just inside and just outside the swapped region's outline,
  output minus input), and the gradient the blend adds on the edge (mean Sobel magnitude in Lab,
  output minus input). Lower is a less visible seam.

A benchmark, not a test: times depend on the machine and what else runs on it.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from facefilter.data import SHARED_DATA
from facefilter.filters import geometry, swap

SIZE = (640, 480)
SAME_PERSON = 0.6  # dlib's distance threshold for "the same person"


def default_data() -> Path:
    return SHARED_DATA / "ibug300w-train"


def held_out(data: Path, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Up to ``n`` fairly upright faces (BGR image, ``(68, 2)`` annotated points) of the validation
    split (seed 0) of the 300-W data at ``data``, in file order."""
    from facefilter.data import discover, split_indices

    records = discover(data).records
    _, val = split_indices(len(records))
    out = []
    for i in val:
        rec = records[int(i)]
        p = rec.points.astype(np.float64)
        yaw = swap.face_yaw(p, (384, 384))
        roll = np.degrees(np.arctan2(*(p[45] - p[36])[::-1]))
        if yaw is None or abs(yaw) > 30 or abs(roll) > 20 or geometry.face_scale(p) < 60:
            continue
        img = cv2.imread(str(rec.image), cv2.IMREAD_COLOR)
        if img is not None:
            out.append((img, p))
        if len(out) == n:
            break
    return out


def place(
    img: np.ndarray, pts: np.ndarray, centre: tuple[float, float], iod: float
) -> tuple[np.ndarray, np.ndarray]:
    """The photo scaled to a face ``iod`` px per template unit, its points' mean at ``centre``, on a
    640x480 canvas (edge pixels repeated beyond the photo); returns (canvas, points there)."""
    k = iod / geometry.face_scale(pts)
    c = pts.mean(0)
    m = np.array([[k, 0, centre[0] - k * c[0]], [0, k, centre[1] - k * c[1]]])
    canvas = cv2.warpAffine(img, m, SIZE, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    return canvas, geometry.apply_affine(m, pts)


def two_faces(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], iod: float, stacked: bool = False
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """A 640x480 frame with face ``a`` left (top when ``stacked``) and ``b`` right (bottom).

    Returns (frame, points of a, points of b)."""
    w, h = SIZE
    ca, cb = ((w / 2, h / 4), (w / 2, 3 * h / 4)) if stacked else ((w / 4, h / 2), (3 * w / 4, h / 2))
    fa, pa = place(*a, ca, iod)
    fb, pb = place(*b, cb, iod)
    frame = fa.copy()
    if stacked:
        frame[h // 2 :] = fb[h // 2 :]
    else:
        frame[:, w // 2 :] = fb[:, w // 2 :]
    return frame, pa, pb


def hull_mask(pts: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Boolean ``(H, W)`` mask inside the convex hull of the 68 points."""
    m = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(m, cv2.convexHull(np.round(pts).astype(np.int32)), 1)
    return m.astype(bool)


def psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b) ** 2)[where].mean())
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


class Judge:
    """dlib's face descriptor (128-D; distance < 0.6: the same person) of a face given our 68 points."""

    def __init__(self) -> None:
        import dlib

        spec = importlib.util.find_spec("face_recognition_models")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("face_recognition_models is not installed (pip install '.[bench]')")
        models = Path(next(iter(spec.submodule_search_locations))) / "models"
        self._dlib = dlib
        self._aligner = dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat"))
        self._net = dlib.face_recognition_model_v1(str(models / "dlib_face_recognition_resnet_model_v1.dat"))

    def descriptor(self, image_bgr: np.ndarray, pts: np.ndarray) -> np.ndarray:
        """``(128,)`` descriptor of the face with ``(68, 2)`` points ``pts`` in ``image_bgr``; the
        aligner starts from the box brows-to-chin, jaw-to-jaw (about dlib's detector box)."""
        left, right = pts[:17, 0].min(), pts[:17, 0].max()
        top, bottom = pts[17:27, 1].min(), pts[8, 1]
        rect = self._dlib.rectangle(int(left), int(top), int(right), int(bottom))
        rgb = np.ascontiguousarray(image_bgr[..., ::-1])
        shape = self._aligner(rgb, rect)
        return np.asarray(self._net.compute_face_descriptor(rgb, shape), np.float64)


def seam_figures(out: np.ndarray, before: np.ndarray, pts: np.ndarray) -> tuple[float, float]:
    """(added gradient, colour step) across the swapped region's outline of the face with ``pts``.

    The band is the outline's neighbourhood within 0.12 template units; "inside" and "outside"
    are the rings 0.06-0.18 units inside and outside it. Both figures are output minus input.
    """
    scale = geometry.face_scale(pts)
    region = np.zeros(out.shape[:2], np.uint8)
    cv2.fillPoly(region, [np.round(swap.face_outline(geometry.extend_landmarks(pts))).astype(np.int32)], 1)
    dist_in = cv2.distanceTransform(region, cv2.DIST_L2, 3) / scale
    dist_out = cv2.distanceTransform(1 - region, cv2.DIST_L2, 3) / scale
    band = (dist_in < 0.12) & (dist_out < 0.12)
    inner = (dist_in > 0.06) & (dist_in < 0.18)
    outer = (dist_out > 0.06) & (dist_out < 0.18)

    def grad(img: np.ndarray) -> np.ndarray:
        lab = cv2.cvtColor(img, cv2.COLOR_BGR2Lab).astype(np.float32)
        gx, gy = cv2.Sobel(lab, cv2.CV_32F, 1, 0), cv2.Sobel(lab, cv2.CV_32F, 0, 1)
        return np.sqrt((gx**2 + gy**2).sum(-1))

    def step(img: np.ndarray) -> float:
        lab = cv2.cvtColor(img, cv2.COLOR_BGR2Lab).astype(np.float64)
        return float(np.linalg.norm(lab[inner].mean(0) - lab[outer].mean(0)))

    return float(grad(out)[band].mean() - grad(before)[band].mean()), step(out) - step(before)


def _median_ms(fn: Callable[[], Any], repeats: int) -> float:
    """Median CPU ms of this thread over ``repeats`` calls (OpenCV on one thread: on a busy shared
    machine this is what the call costs, without the time other work takes the core)."""
    samples = []
    for _ in range(repeats):
        t0 = time.thread_time()
        fn()
        samples.append((time.thread_time() - t0) * 1000)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="facefilter-bench swap", description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=default_data(), help="300-W folder with labels.xml")
    ap.add_argument("--pairs", type=int, default=40, help="pairs of held-out faces")
    ap.add_argument("--iod", type=float, default=70.0, help="face size side by side (px per template unit)")
    ap.add_argument("--repeats", type=int, default=9, help="timed renders per pair")
    ap.add_argument("--threads", type=int, default=1, help="cv2.setNumThreads (the app's worker: 1)")
    ap.add_argument("--no-identity", action="store_true", help="skip the dlib judge")
    args = ap.parse_args(argv)
    cv2.setNumThreads(args.threads)
    from facefilter.filters import builtin_filters
    from facefilter.landmarks import LandmarkModel

    faces = held_out(args.data, 2 * args.pairs)
    if len(faces) < 2:
        print(f"facefilter-bench swap: too few faces in {args.data}", file=sys.stderr)
        return 1
    flt = builtin_filters()["face_swap"]
    model = LandmarkModel.load_single()
    judge = None
    if not args.no_identity:
        try:
            judge = Judge()
        except ImportError as exc:
            print(f"identity skipped: {exc}")
    pairs = [(faces[2 * k], faces[2 * k + 1]) for k in range(len(faces) // 2)]
    nearer, within, kept, d_a, d_b = [], [], [], [], []
    render_ms, feather_ms, poisson_ms = [], [], []
    seams: dict[str, list[tuple[float, float]]] = {"feather": [], "poisson": []}
    self_side, self_stack = [], []
    for a, b in pairs:
        frame, ta, tb = two_faces(a, b, args.iod)
        box = lambda p: np.array([[*p.min(0), *(p.max(0) - p.min(0))]])  # noqa: E731
        pa, pb = (model.predict(frame, box(t))[0].astype(np.float64) for t in (ta, tb))
        out = flt.render(frame, [pa, pb])
        render_ms.append(_median_ms(lambda: flt.render(frame, [pa, pb]), args.repeats) / 2)  # noqa: B023
        found = model.predict(out, box(tb))[0].astype(np.float64)
        iod = float(np.linalg.norm(pb[36:42].mean(0) - pb[42:48].mean(0)))
        kept.append(float(np.linalg.norm(found - pb, axis=1).mean()) / iod)
        if judge is not None:
            da_in, db_in = judge.descriptor(frame, pa), judge.descriptor(frame, pb)
            d_out = judge.descriptor(out, found)
            dist_a, dist_b = float(np.linalg.norm(d_out - da_in)), float(np.linalg.norm(d_out - db_in))
            d_a.append(dist_a)
            d_b.append(dist_b)
            nearer.append(dist_a < dist_b)
            within.append(dist_a < SAME_PERSON)
        size = (frame.shape[1], frame.shape[0])
        src = swap.SourceFace.from_image(frame, pa, yaw=swap.face_yaw(pa, size))
        yaw_b = swap.face_yaw(pb, size)
        for method, ms in (("feather", feather_ms), ("poisson", poisson_ms)):
            o = frame.copy()

            def one(o: np.ndarray = o, f: np.ndarray = frame, p: np.ndarray = pb, s: swap.SourceFace = src,
                    y: float | None = yaw_b, method: str = method) -> None:  # fmt: skip
                o[...] = f
                swap.swap_face(o, p, s, target_yaw=y, poisson=method == "poisson")

            ms.append(_median_ms(one, max(3, args.repeats // 3)))
            seams[method].append(seam_figures(o, frame, pb))
        for stacked, dest in ((False, self_side), (True, self_stack)):
            iod_self = args.iod if not stacked else 0.8 * args.iod
            f2, qa, qb = two_faces(a, a, iod_self, stacked)
            o2 = flt.render(f2, [qa, qb])
            dest += [psnr(o2, f2, hull_mask(q, f2.shape)) for q in (qa, qb)]
    n = len(pairs)
    print(f"{n} pairs of held-out 300-W faces (validation split, seed 0), side by side in 640x480 at "
          f"{args.iod:g} px per template unit; OpenCV threads {cv2.getNumThreads()}")  # fmt: skip
    if judge is not None:
        print(f"identity (dlib): output at B nearer A than B on {np.mean(nearer):.0%} of pairs (target >= 90%), "
              f"within {SAME_PERSON} of A on {np.mean(within):.0%} (target >= 60%); median distance to A "
              f"{np.median(d_a):.3f}, to B {np.median(d_b):.3f}")  # fmt: skip
    good = np.mean(np.array(kept) < 0.04)
    print(f"target's points kept: within 4% IOD on {good:.0%} of pairs (target >= 80%); median {np.median(kept):.2%}")
    for name, vals in (("side by side", self_side), ("stacked", self_stack)):
        print(f"self-swap PSNR inside the face, {name}: min {min(vals):.1f} dB, median {np.median(vals):.1f} dB "
              f"(target >= 40)")  # fmt: skip
    print(f"ms per swapped face, whole filter, two faces at 640x480: {np.median(render_ms):.2f} (target <= 6)")
    print(f"{'blend':<10}{'swap_face ms':>13}{'added edge gradient':>22}{'colour step (Lab)':>20}")
    for method, ms in (("feather", feather_ms), ("poisson", poisson_ms)):
        g = statistics.median(s[0] for s in seams[method])
        c = statistics.median(s[1] for s in seams[method])
        print(f"{method:<10}{np.median(ms):>13.2f}{g:>22.2f}{c:>20.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
