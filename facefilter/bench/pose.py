"""``facefilter-bench pose``: head pose accuracy on projected mean faces, its mouth-open shift,
the yaw sign on turned 300-W faces, and the time of one :func:`estimate_pose` call.

Accuracy: the mean face (``MEAN_FACE_3D``) projected at random poses (yaw and pitch uniform in
+-``--max-angle``, roll in +-``--max-roll`` deg, 35-120 cm away, 640x480, default camera), with
Gaussian noise of ``--noise`` inter-ocular distances on every point; printed: median and 95th
percentile absolute error per angle. Mouth open: the jaw and lower lip turned 20 deg about a
hinge behind the cheeks; printed: how far the lower lip moved and the largest change of an angle.
Real faces: 300-W faces whose nose tip is more than ``--turned`` inter-ocular distances off the
eye-centre midline; printed: how often the sign of yaw matches that side. Speed: median of
``--calls`` calls on one face, warm-started from the previous call's pose, and cold.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from facefilter.data import SHARED_DATA
from facefilter.pose import MEAN_FACE_3D, HeadPose, default_camera, estimate_pose
from facefilter.types import EYE_L, EYE_R, JAW, MOUTH, rotation_from_angles

DEFAULT_DATA = SHARED_DATA / "ibug300w-train"
SIZE = (640, 480)


def synthetic_errors(n: int, max_angle: float, max_roll: float, noise: float, seed: int) -> np.ndarray:
    """``(n, 3)`` absolute yaw, pitch, roll errors (deg) on noisy projections of the mean face."""
    rng = np.random.default_rng(seed)
    focal, center = default_camera(SIZE)
    face = MEAN_FACE_3D.astype(np.float64)
    errors = np.empty((n, 3))
    for i in range(n):
        yaw, pitch = rng.uniform(-max_angle, max_angle, 2)
        roll = rng.uniform(-max_roll, max_roll)
        t = [rng.uniform(-80, 80), rng.uniform(-60, 60), rng.uniform(350, 1200)]
        pts = HeadPose.from_angles(yaw, pitch, roll, t, focal, center).project(face).astype(np.float64)
        pts += rng.normal(0, noise * np.linalg.norm(pts[36] - pts[45]), pts.shape)
        est = estimate_pose(pts, SIZE)
        errors[i] = np.abs([est.yaw - yaw, est.pitch - pitch, est.roll - roll])
    return errors


def open_mouth(face: np.ndarray, degrees: float = 20.0) -> np.ndarray:
    """``face`` (68, 3) mm with the jaw and lips below the mouth's middle turned down about a jaw hinge."""
    out = face.copy()
    lower = [i for i in (*JAW, *MOUTH) if face[i, 1] > face[62, 1]]
    hinge = np.array([0.0, 20.0, 60.0])
    out[lower] = (face[lower] - hinge) @ rotation_from_angles(0.0, degrees, 0.0).T + hinge
    return out


def mouth_shift(n: int, seed: int) -> float:
    """Largest angle change (deg) between closed- and open-mouth projections over ``n`` poses."""
    rng = np.random.default_rng(seed)
    focal, center = default_camera(SIZE)
    face = MEAN_FACE_3D.astype(np.float64)
    opened = open_mouth(face)
    worst = 0.0
    for _ in range(n):
        pose = HeadPose.from_angles(*rng.uniform(-40, 40, 2), rng.uniform(-25, 25), [0, 0, 600], focal, center)
        a, b = estimate_pose(pose.project(face), SIZE), estimate_pose(pose.project(opened), SIZE)
        worst = max(worst, abs(a.yaw - b.yaw), abs(a.pitch - b.pitch), abs(a.roll - b.roll))
    return worst


def turned_faces(data: Path, turned: float) -> tuple[int, int]:
    """(faces with the right yaw sign, clearly turned faces) on the 300-W folder ``data``."""
    from facefilter.data import discover

    right = total = 0
    for rec in discover(data).records:
        p = np.asarray(rec.points, np.float64)
        er, el = p[list(EYE_R)].mean(0), p[list(EYE_L)].mean(0)
        u = (el - er) / np.linalg.norm(el - er)
        offset = float((p[30] - (er + el) / 2) @ u) / np.linalg.norm(p[36] - p[45])
        if abs(offset) >= turned:
            total += 1
            right += int(np.sign(estimate_pose(p, (384, 384)).yaw) == np.sign(offset))
    return right, total


def time_calls(calls: int) -> tuple[float, float]:
    """Median ms of one estimate_pose call (warm-started, cold) on a turned face."""
    focal, center = default_camera(SIZE)
    pts = HeadPose.from_angles(20, -10, 5, [0, 0, 600], focal, center).project(MEAN_FACE_3D)
    prev = estimate_pose(pts, SIZE)
    warm, cold = [], []
    for _ in range(calls):
        t0 = time.perf_counter()
        prev = estimate_pose(pts, SIZE, previous=prev)
        t1 = time.perf_counter()
        estimate_pose(pts, SIZE)
        t2 = time.perf_counter()
        warm.append(t1 - t0)
        cold.append(t2 - t1)
    return float(np.median(warm)) * 1000, float(np.median(cold)) * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="facefilter-bench pose", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="300-W folder with labels.xml")
    ap.add_argument("--poses", type=int, default=2000, help="random synthetic poses")
    ap.add_argument("--max-angle", type=float, default=45.0, help="largest |yaw| and |pitch| (deg)")
    ap.add_argument("--max-roll", type=float, default=30.0, help="largest |roll| (deg)")
    ap.add_argument("--noise", type=float, default=0.01, help="point noise sigma, inter-ocular distances")
    ap.add_argument("--turned", type=float, default=0.25, help="nose offset (IOD) of a clearly turned real face")
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    err = synthetic_errors(args.poses, args.max_angle, args.max_roll, args.noise, args.seed)
    print(f"synthetic: {args.poses} poses, yaw/pitch +-{args.max_angle:g}, roll +-{args.max_roll:g} deg, "
          f"noise {args.noise * 100:g}% IOD")
    for name, col in zip(("yaw", "pitch", "roll"), err.T, strict=True):
        print(f"  {name:5s} error median {np.median(col):.2f}  p95 {np.percentile(col, 95):.2f}  "
              f"max {col.max():.2f} deg")
    face = MEAN_FACE_3D.astype(np.float64)
    drop = float(np.linalg.norm(open_mouth(face)[66] - face[66]))
    print(f"mouth opened (lower lip moved {drop:.0f} mm): largest angle change {mouth_shift(200, args.seed):.4f} deg")
    if (args.data / "labels.xml").is_file():
        right, total = turned_faces(args.data, args.turned)
        print(f"300-W faces turned > {args.turned:g} IOD: yaw sign right on {right}/{total}")
    else:
        print(f"300-W faces: {args.data} not found, skipped")
    warm, cold = time_calls(args.calls)
    print(f"estimate_pose: median {warm:.3f} ms warm-started, {cold:.3f} ms cold ({args.calls} calls)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
