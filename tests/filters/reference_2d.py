"""Reference renders of the 2-D filters, to check that old manifests keep rendering exactly as before.

``python -m tests.filters.reference_2d OUT_DIR [FILTER_FOLDER ...]`` renders every given filter
folder (default: every built-in filter) on :func:`reference_scene` and writes ``OUT_DIR/<name>.png``.
The PNGs in ``tests/filters/data/reference_2d`` were written by this script from commit fdd5ee5,
before head-space layers existed; ``tests/filters/test_head.py`` renders the same scene with the
current engine and compares pixel for pixel.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from facefilter.filters import Filter
from facefilter.filters.geometry import TEMPLATE_68

SCENE_SIZE = (256, 192)  # (width, height)


def _face(eye_mid: tuple[float, float], iod: float, roll: float, mouth_open: float = 0.0) -> np.ndarray:
    """TEMPLATE_68 scaled to ``iod`` px between the outer eye corners, rolled ``roll`` deg, mouth opened."""
    pts = TEMPLATE_68.astype(np.float64).copy()
    pts[[61, 62, 63]] -= (0.0, mouth_open / 2)
    pts[[65, 66, 67]] += (0.0, mouth_open / 2)
    pts[55:60] += (0.0, mouth_open / 2)
    a = np.radians(roll)
    r = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return (pts @ r.T * iod + np.asarray(eye_mid)).astype(np.float32)


def reference_scene() -> tuple[np.ndarray, list[np.ndarray]]:
    """A deterministic BGR uint8 frame (smooth pattern) and two faces: a large rolled one, a small one mouth open."""
    w, h = SCENE_SIZE
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    frame = np.stack([40 + 0.5 * x, 60 + 0.4 * y, 110 + 30 * np.sin(x / 7) * np.cos(y / 9)], 2)
    frame = np.clip(np.round(frame), 0, 255).astype(np.uint8)
    faces = [_face((86.0, 112.0), 62.0, 8.0), _face((198.0, 92.0), 42.0, -15.0, mouth_open=0.3)]
    for lm in faces:  # a flat cartoon face so that warps have features to move
        p = np.round(lm * 16).astype(np.int32)
        cv2.fillConvexPoly(frame, cv2.convexHull(np.concatenate([p[:17], p[17:27]])), (150, 180, 220), cv2.LINE_AA, 4)
        for group in (slice(36, 42), slice(42, 48), slice(60, 68)):
            cv2.fillPoly(frame, [p[group]], (250, 250, 250) if group.start < 60 else (60, 40, 120), cv2.LINE_AA, 4)
        cv2.polylines(frame, [p[17:22], p[22:27], p[27:31], p[31:36], p[48:60]], False, (60, 60, 90), 1, cv2.LINE_AA, 4)
    return frame, faces


def render_reference(flt: Filter) -> np.ndarray:
    """``flt`` rendered on :func:`reference_scene` (BGR uint8)."""
    frame, faces = reference_scene()
    return flt.render(frame, faces)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    if len(argv) > 1:
        filters = [Filter.load(p) for p in argv[1:]]
    else:
        from facefilter.filters import builtin_filters

        filters = list(builtin_filters().values())
    for flt in filters:
        cv2.imwrite(str(out / f"{flt.name}.png"), render_reference(flt), [cv2.IMWRITE_PNG_COMPRESSION, 9])
        print(f"wrote {out / flt.name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
