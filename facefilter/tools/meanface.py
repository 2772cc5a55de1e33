"""Build the 3-D mean face of the 68 points (``facefilter/pose/mean_face_68.json``) from 300-W.

    python -m facefilter.tools.meanface --data ../shared/data/ibug300w-train \
        --out facefilter/pose/mean_face_68.json

How it is made, all from data the project has (nothing downloaded):

1. Near-frontal training faces are picked from their hand-placed 2-D points: the nose tip (30)
   within ``--max-yaw-offset`` inter-ocular distances of the eye-centre midline, and the jaw
   outline on both sides of the nose equally wide (``--max-jaw-asymmetry``).
2. MediaPipe Face Mesh (static images) runs on each; its vertex ``MESH_TO_68[i]``
   (``facefilter.bench.facemesh68``) gives the depth of point ``i``. Face Mesh's z is relative
   to the head centre, smaller is nearer the camera, in the scale of its x (image width), so
   ``z * width`` is in pixels like x and y. A face is ``(x, y)`` of the 300-W annotation (the
   markup the landmark model predicts) with that depth.
3. Generalised Procrustes (similarity: rotation, scale, translation) on the rigid points (brows,
   nose, eyes) aligns the faces; the mean of all 68 points is taken.
4. The mean is turned to the faces' average orientation in the camera (so "frontal" is how the
   selected people faced the camera), then made left-right symmetric: its symmetry plane is
   turned onto x = 0 and each point is averaged with its mirrored partner
   (:data:`facefilter.types.FLIP_PERMUTATION`).
5. Scale to millimetres: the outer eye corners (36, 45; exocanthion to exocanthion) are set
   ``--ex-ex-mm`` apart, 90 mm by default: adult biocular width is about 88 mm in women and
   91 mm in men (Farkas' anthropometric norms), so 90 mm is a middle figure; absolute scale
   only sets the pose's distance (tvec), not its angles. Origin: midway between the outer eye
   corners; axes: x to the image right, y down, z away from the camera.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import cv2
import numpy as np

from facefilter.types import BROW_L, BROW_R, EYE_L, EYE_R, FLIP_PERMUTATION, N_LANDMARKS, NOSE

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "pose" / "mean_face_68.json"
ALIGN_POINTS = BROW_R + BROW_L + NOSE + EYE_R + EYE_L
_FLIP = np.asarray(FLIP_PERMUTATION)


def frontal_scores(points: np.ndarray) -> tuple[float, float]:
    """``(yaw_offset, jaw_asymmetry)`` of ``(68, 2)`` image points (0 for a frontal face).

    ``yaw_offset``: signed distance of the nose tip (30) from the perpendicular bisector of the eye
    centres, in inter-ocular distances (outer corners). ``jaw_asymmetry``: (right - left) / (right +
    left) of the jaw's reach (points 0 and 16) from the nose tip along the eye line.
    """
    p = np.asarray(points, dtype=np.float64)
    er, el = p[list(EYE_R)].mean(0), p[list(EYE_L)].mean(0)
    u = (el - er) / np.linalg.norm(el - er)
    iod = float(np.linalg.norm(p[36] - p[45]))
    mid = (er + el) / 2
    off = float((p[30] - mid) @ u) / iod
    reach_r, reach_l = float((p[30] - p[0]) @ u), float((p[16] - p[30]) @ u)
    return off, (reach_r - reach_l) / max(reach_r + reach_l, 1e-9)


def similarity_align(src: np.ndarray, dst: np.ndarray, idx: tuple[int, ...]) -> np.ndarray:
    """``src`` (N, 3) moved by the similarity transform that best maps ``src[idx]`` onto ``dst[idx]`` (Umeyama)."""
    a, b = src[list(idx)], dst[list(idx)]
    ma, mb = a.mean(0), b.mean(0)
    a0, b0 = a - ma, b - mb
    u, s, vt = np.linalg.svd(b0.T @ a0)
    d = np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt))])
    rot = u @ d @ vt
    scale = float(np.trace(np.diag(s) @ d) / (a0**2).sum())
    return (src - ma) @ rot.T * scale + mb


def rotation_to(src: np.ndarray, dst: np.ndarray, idx: tuple[int, ...]) -> np.ndarray:
    """The rotation (3, 3) of the similarity transform mapping ``src[idx]`` onto ``dst[idx]``."""
    a, b = src[list(idx)], dst[list(idx)]
    u, _, vt = np.linalg.svd((b - b.mean(0)).T @ (a - a.mean(0)))
    return u @ np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt))]) @ vt


def generalised_procrustes(shapes: np.ndarray, idx: tuple[int, ...], iterations: int = 10) -> np.ndarray:
    """Mean ``(68, 3)`` of ``(F, 68, 3)`` shapes aligned on the points ``idx``, at unit RMS size on them."""
    mean = shapes[0] - shapes[0][list(idx)].mean(0)
    for _ in range(iterations):
        mean = mean / math.sqrt(float((mean[list(idx)] ** 2).sum(1).mean()))
        aligned = np.stack([similarity_align(s, mean, idx) for s in shapes])
        new = aligned.mean(0)
        new -= new[list(idx)].mean(0)
        if np.abs(new - mean).max() < 1e-9:
            break
        mean = new
    return mean / math.sqrt(float((mean[list(idx)] ** 2).sum(1).mean()))


def average_rotation(rotations: list[np.ndarray]) -> np.ndarray:
    """The rotation nearest (Frobenius) to the mean of ``rotations``."""
    u, _, vt = np.linalg.svd(np.mean(rotations, axis=0))
    return u @ np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt))]) @ vt


def symmetrise(shape: np.ndarray) -> np.ndarray:
    """``(68, 3)`` shape turned so its left-right symmetry plane is x = 0, then mirror-averaged.

    The plane's normal is the sum of the vectors joining mirror partners, each taken toward +x;
    the turn is the smallest one taking it to +x, which leaves pitch alone.
    """
    d = shape[_FLIP] - shape
    pairs = np.linalg.norm(d, axis=1) > 1e-9
    n = (d[pairs] * np.sign(d[pairs, :1])).sum(0)  # every pair's vector, pointing to +x; long pairs weigh more
    n /= np.linalg.norm(n)
    axis = np.cross(n, [1.0, 0.0, 0.0])
    s, c = float(np.linalg.norm(axis)), float(n[0])
    turned = shape - shape.mean(0)
    if s > 1e-12:
        rot = cv2.Rodrigues(axis / s * math.atan2(s, c))[0]
        turned = turned @ rot.T
    mirrored = (turned * [-1.0, 1.0, 1.0])[_FLIP]
    return (turned + mirrored) / 2.0


def collect(records: list, max_yaw_offset: float, max_jaw_asymmetry: float) -> tuple[np.ndarray, int]:
    """``(F, 68, 3)`` pixel shapes (annotated x, y; Face Mesh depth) of the frontal faces; and how many were picked."""
    from facefilter.bench.facemesh import FaceMeshReference
    from facefilter.bench.facemesh68 import MESH_TO_68

    picked = []
    for rec in records:
        off, asym = frontal_scores(rec.points)
        if abs(off) <= max_yaw_offset and abs(asym) <= max_jaw_asymmetry:
            picked.append(rec)
    shapes = []
    with FaceMeshReference(max_faces=4, static=True) as mesh:
        for rec in picked:
            img = cv2.imread(str(rec.image), cv2.IMREAD_COLOR)
            if img is None:
                continue
            found = [m.astype(np.float64) for m in mesh.process(img)]  # (468, 3): x, y px; z px
            if not found:
                continue
            gt = np.asarray(rec.points, np.float64)
            best = min(found, key=lambda m: float(np.linalg.norm(m[:, :2].mean(0) - gt.mean(0))))
            mapped = best[list(MESH_TO_68)]
            a, b = 36, 45
            if np.linalg.norm(mapped[a, :2] - gt[a]) + np.linalg.norm(mapped[b, :2] - gt[b]) > 0.3 * np.linalg.norm(
                gt[a] - gt[b]
            ):
                continue  # the mesh found another face
            shapes.append(np.concatenate([gt, mapped[:, 2:3]], axis=1))
    return np.stack(shapes), len(picked)


def build(shapes: np.ndarray, ex_ex_mm: float) -> np.ndarray:
    """``(68, 3)`` float64 symmetric mean face in mm from ``(F, 68, 3)`` pixel shapes (see the module doc)."""
    mean = generalised_procrustes(shapes, ALIGN_POINTS)
    # the faces' average orientation relative to the mean: turn the mean to it
    rots = [rotation_to(mean, s, ALIGN_POINTS) for s in shapes]
    mean = (mean - mean.mean(0)) @ average_rotation(rots).T
    sym = symmetrise(mean)
    sym *= ex_ex_mm / float(np.linalg.norm(sym[36] - sym[45]))
    return sym - (sym[36] + sym[45]) / 2.0


def main(argv: list[str] | None = None) -> int:
    from facefilter.data import discover

    ap = argparse.ArgumentParser(prog="python -m facefilter.tools.meanface", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="300-W folder with labels.xml")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--ex-ex-mm", type=float, default=90.0, help="outer eye corner distance in mm (default 90)")
    ap.add_argument("--max-yaw-offset", type=float, default=0.03)
    ap.add_argument("--max-jaw-asymmetry", type=float, default=0.08)
    args = ap.parse_args(argv)
    records = discover(args.data).records
    shapes, n_picked = collect(records, args.max_yaw_offset, args.max_jaw_asymmetry)
    face = build(shapes, args.ex_ex_mm)
    if face.shape != (N_LANDMARKS, 3) or face[30, 2] >= 0:
        print("error: the mean face came out malformed (nose tip not toward the camera)", file=sys.stderr)
        return 1
    doc = {
        "units": "mm",
        "axes": "x to the image right, y down, z away from the camera for a frontal face; "
                "origin midway between the outer eye corners (36, 45)",
        "built_by": "python -m facefilter.tools.meanface " + " ".join(
            ["--data", args.data.name, "--ex-ex-mm", f"{args.ex_ex_mm:g}", "--max-yaw-offset",
             f"{args.max_yaw_offset:g}", "--max-jaw-asymmetry", f"{args.max_jaw_asymmetry:g}"]),
        "faces": {"in_data": len(records), "frontal": n_picked, "with_mesh": len(shapes)},
    }
    rows = ",\n".join("  " + json.dumps([round(float(v), 3) for v in row]) for row in face)
    text = json.dumps(doc, indent=1)[:-2] + ',\n "points": [\n' + rows + "\n ]\n}\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"{len(records)} faces, {n_picked} frontal, {len(shapes)} with a Face Mesh -> {args.out}")
    print(f"nose tip (30) {face[30].round(1).tolist()} mm, chin (8) {face[8].round(1).tolist()} mm, "
          f"jaw width (0-16) {np.linalg.norm(face[0] - face[16]):.1f} mm")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
