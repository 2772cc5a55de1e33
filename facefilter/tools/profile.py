"""``python -m facefilter.tools.profile --sheet OUT.jpg [--n 200]``: turned training faces, as a sheet.

Each tile is one training face of ``--data`` (the seed-0 training split) turned by
:class:`facefilter.train.profile.ProfileSynth` to a random yaw/pitch, drawn as the network sees
its region (grey), with the moved 68 points: outline 0-8 red, 9-16 orange, brows and nose
yellow, eyes green, mouth cyan; the label gives the asked yaw/pitch, the fill and the yaw that
:func:`facefilter.pose.estimate_pose` finds on the moved points.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from facefilter.data import SHARED_DATA, load_many, split_indices
from facefilter.pose import estimate_pose
from facefilter.train.dataset import cache_face
from facefilter.train.profile import ProfileSynth

_COLOURS = [((0, 9), (0, 0, 255)), ((9, 17), (0, 140, 255)), ((17, 36), (0, 230, 230)), ((36, 48), (0, 220, 0)),
            ((48, 68), (255, 220, 0))]


def draw(image: np.ndarray, points: np.ndarray, label: str, tile: int) -> np.ndarray:
    """A ``tile`` px BGR square of a grey or BGR ``image`` with its ``(68, 2)`` points and a label."""
    img = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    f = tile / max(img.shape[:2])
    img = cv2.resize(img, (round(img.shape[1] * f), round(img.shape[0] * f)), interpolation=cv2.INTER_AREA)
    out = np.zeros((tile, tile, 3), np.uint8)
    out[: img.shape[0], : img.shape[1]] = img
    radius = 1 if tile < 200 else 2
    for (a, b), colour in _COLOURS:
        for x, y in points[a:b] * f:
            cv2.circle(out, (round(float(x)), round(float(y))), radius, colour, -1, cv2.LINE_AA)
    cv2.putText(out, label, (3, tile - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.36, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m facefilter.tools.profile", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sheet", required=True, help="output picture (.jpg/.png)")
    p.add_argument("--data", default=str(SHARED_DATA / "ibug300w-train"))
    p.add_argument("--n", type=int, default=200, help="tiles (default %(default)s)")
    p.add_argument("--cols", type=int, default=16)
    p.add_argument("--tile", type=int, default=160)
    p.add_argument("--max-yaw", type=float, default=75.0)
    p.add_argument("--max-pitch", type=float, default=30.0)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    records = load_many([args.data]).records
    if not records:
        print(f"profile: no faces in {args.data}", file=sys.stderr)
        return 2
    train_idx, _ = split_indices(len(records), 0.1, 0)
    rng = np.random.default_rng(args.seed)
    synth = ProfileSynth(args.max_yaw, args.max_pitch)
    tiles, failed, t_total = [], 0, 0.0
    for i in rng.choice(train_idx, size=min(args.n, len(train_idx)), replace=False):
        face = cache_face(records[int(i)], 400)
        if face is None:
            continue
        t0 = time.perf_counter()
        s = synth(face.image, face.points, rng)
        t_total += time.perf_counter() - t0
        if s is None:
            failed += 1
            continue
        h, w = s.image.shape[:2]
        try:
            first = estimate_pose(s.points, (w, h), focal=8.0 * max(w, h))  # converges to ~60 deg; refit
            found = f"{estimate_pose(s.points, (w, h), previous=first, focal=8.0 * max(w, h)).yaw:+.0f}"
        except ValueError:
            found = "?"
        tiles.append(draw(s.image, s.points, f"{s.yaw:+.0f}/{s.pitch:+.0f} {found} {s.fill[:4]}", args.tile))
    cols = min(args.cols, max(len(tiles), 1))
    rows = -(-len(tiles) // cols)
    sheet = np.zeros((rows * args.tile, cols * args.tile, 3), np.uint8)
    for k, t in enumerate(tiles):
        r, c = divmod(k, cols)
        sheet[r * args.tile:(r + 1) * args.tile, c * args.tile:(c + 1) * args.tile] = t
    Path(args.sheet).parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(args.sheet, sheet, [cv2.IMWRITE_JPEG_QUALITY, 80]):
        print(f"profile: cannot write {args.sheet}", file=sys.stderr)
        return 1
    n_try = len(tiles) + failed
    print(f"{args.sheet}: {len(tiles)} faces ({failed} fits failed), {1000 * t_total / max(n_try, 1):.1f} ms per face")
    return 0


if __name__ == "__main__":
    sys.exit(main())
