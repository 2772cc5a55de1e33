"""Measure how FER-2013 frames its faces: where our landmark network puts the 68 points on FER+
faces, on average, in 48x48 crop pixels; written to ``facefilter/expression/fer_frame.json``.

Each face is upscaled (cubic) by ``--upscale``, padded by repeating its edges, and the landmark
network (one crop, test-time flip) is run twice: first on a box guessed from FER's framing,
then on the tight box of its own first answer. ``python -m facefilter.train.expression_framing``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from facefilter.types import Box

OUT = Path(__file__).resolve().parents[1] / "expression" / "fer_frame.json"


def fer_landmarks(images: np.ndarray, upscale: int = 4, iterations: int = 2) -> np.ndarray:
    """``(N, 48, 48)`` uint8 FER faces -> ``(N, 68, 2)`` float64 landmarks in 48x48 pixels
    (origin at the centre of the top-left pixel)."""
    from facefilter.landmarks import LandmarkModel

    model = LandmarkModel.load_single(device="cpu", flip_test=True)
    size = 48 * upscale
    pad = size // 2
    out = []
    for img in images:
        big = cv2.copyMakeBorder(cv2.resize(img, (size, size), interpolation=cv2.INTER_CUBIC),
                                 pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        box = np.array([[pad + 0.12 * size, pad + 0.2 * size, 0.76 * size, 0.8 * size]])
        for _ in range(iterations):
            pts = model.predict(big, box)[0].astype(np.float64)
            box = Box.from_points(pts).as_array()[None]
        out.append((pts - pad + 0.5) / upscale - 0.5)
    return np.array(out)


def summarise(points: np.ndarray) -> dict[str, object]:
    """Mean points and the framing figures of ``(N, 68, 2)`` landmarks in 48x48 pixels."""
    mean = points.mean(0)
    lo, hi = points.min(1), points.max(1)  # per face tight box
    return {
        "faces": len(points),
        "mean_points": np.round(mean, 3).tolist(),
        "tight_box_median": {  # in 48x48 pixels
            "left": float(np.median(lo[:, 0])), "top": float(np.median(lo[:, 1])),
            "right": float(np.median(hi[:, 0])), "bottom": float(np.median(hi[:, 1])),
        },
        "brow_top_median": float(np.median(points[:, 17:27, 1].min(1))),
        "chin_median": float(np.median(points[:, 8, 1])),
        "inter_ocular_median": float(np.median(np.linalg.norm(points[:, 45] - points[:, 36], axis=1))),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m facefilter.train.expression_framing", description=__doc__)
    p.add_argument("--data", default="../shared/data/fer-plus", help="FER+ folder")
    p.add_argument("--faces", type=int, default=300, help="random training faces to measure")
    p.add_argument("--upscale", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--points", help="save the measured (N, 68, 2) points to this .npy too")
    p.add_argument("--out", default=str(OUT))
    args = p.parse_args(argv)
    with np.load(Path(args.data) / "ferplus.npz") as d:
        train = np.where(d["split"] == 0)[0]
        idx = np.sort(np.random.default_rng(args.seed).choice(train, args.faces, replace=False))
        images = d["images"][idx]
    pts = fer_landmarks(images, args.upscale)
    if args.points:
        np.save(args.points, pts)
    summary = summarise(pts)
    Path(args.out).write_text(json.dumps(summary) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "mean_points"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
