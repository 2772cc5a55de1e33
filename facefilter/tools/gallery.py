"""``facefilter-gallery --out DIR``: every built-in filter on real annotated faces, as one PNG grid.

Faces come from the shared 300-W data (``$FACEFILTER_DATA`` or ``../shared/data``) with their
*annotated* landmarks, picked for variety: frontal, head rolled both ways, turned both ways, mouth
wide open, and a small low-resolution video frame. Rows are filters (the first is the unfiltered
photo), then background effects (``--backgrounds``: the person segmented on the photo, the effect
behind them), columns are faces.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from facefilter.background import BackgroundEffect, BackgroundSpec, PersonSegmenter, Segmenter
from facefilter.background.faces import face_mask
from facefilter.data import SHARED_DATA
from facefilter.filters import geometry
from facefilter.filters.conditions import Measure, measure
from facefilter.filters.engine import Filter
from facefilter.filters.loader import builtin_filters

LABEL_WIDTH = 170
HEADER_HEIGHT = 34


@dataclass(frozen=True)
class GalleryFace:
    """One photo and its annotated ``(68, 2)`` landmarks, with a column label."""

    label: str
    image: np.ndarray
    landmarks: np.ndarray


def default_data_dir() -> Path:
    env = os.environ.get("FACEFILTER_DATA")
    return Path(env) if env else SHARED_DATA


def _pose(points: np.ndarray) -> tuple[float, float, float]:
    """(roll degrees, yaw proxy in [-1, 1], mouth_open) of a face."""
    m = geometry.face_similarity(points)
    roll = float(np.degrees(np.arctan2(m[1, 0], m[0, 0])))
    d0, d1 = np.linalg.norm(points[30] - points[0]), np.linalg.norm(points[30] - points[16])
    return roll, float((d0 - d1) / (d0 + d1)), measure(points, Measure.MOUTH_OPEN)


def pick_faces(data_dir: Path) -> list[GalleryFace]:
    """Six varied faces from ``data_dir`` (deterministic). Raises ``FileNotFoundError`` without data."""
    from facefilter.data import discover

    ibug = data_dir / "ibug300w-train"
    if not (ibug / "labels.xml").is_file():
        raise FileNotFoundError(f"no 300-W data at {ibug} (set FACEFILTER_DATA)")
    records = discover(ibug).records
    pts = [r.points.astype(np.float64) for r in records]
    pose = np.array([_pose(p) for p in pts])
    roll, yaw, mouth = pose[:, 0], pose[:, 1], pose[:, 2]
    size = np.array([geometry.face_scale(p) for p in pts])
    big = size > np.percentile(size, 30)  # avoid the few faces annotated at the crop's edge

    def best(score: np.ndarray, taken: set[int]) -> int:
        score = np.where(big, score, np.inf)
        for i in np.argsort(score, kind="stable"):
            if int(i) not in taken:
                return int(i)
        raise ValueError("not enough faces")

    wanted = [
        ("frontal", np.abs(roll) + 40 * np.abs(yaw) + 100 * np.abs(mouth - 0.02)),
        ("rolled left", np.abs(roll + 25) + 30 * np.abs(yaw) + 30 * mouth),
        ("rolled right", np.abs(roll - 25) + 30 * np.abs(yaw) + 30 * mouth),
        ("turned left", np.abs(yaw + 0.45) * 40 + np.abs(roll) + 30 * mouth),
        ("turned right", np.abs(yaw - 0.45) * 40 + np.abs(roll) + 30 * mouth),
        ("mouth open", -mouth * 100 + np.abs(roll) + 40 * np.abs(yaw)),
    ]
    taken: set[int] = set()
    faces = []
    for label, score in wanted:
        i = best(score, taken)
        taken.add(i)
        faces.append(GalleryFace(label, cv2.imread(str(records[i].image), cv2.IMREAD_COLOR), pts[i]))
    yt = data_dir / "youtube-faces-68"
    if (yt / "labels.xml").is_file():
        rec = discover(yt).records
        small = [r for r in rec if 35 <= geometry.face_scale(r.points) <= 45]
        if small:
            r = small[len(small) // 2]
            faces.append(GalleryFace("video, 40 px", cv2.imread(str(r.image), cv2.IMREAD_COLOR), r.points))
    return faces


def _cell(face: GalleryFace, flt: Filter | None, size: int, background: BackgroundEffect | None = None) -> np.ndarray:
    """The face (rendered with ``flt``) cropped to a square with room above for hats, ``size`` px.

    The photo is first padded with grey: the 300-W crops end just above the hair, and a hat
    drawn past the photo's edge would be cut off (which the renderer handles, but it hides the
    placement we want to show). With a ``background`` effect the person is segmented on the photo
    (the padding counts as background; the face itself counts as person, as the app's tracked faces
    do) and the effect fills everything behind them.
    """
    scale = geometry.face_scale(face.landmarks)
    pad = round(2.8 * scale)
    img = cv2.copyMakeBorder(face.image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(72, 72, 72))
    lm = face.landmarks + pad
    if background is not None:
        mask = cv2.copyMakeBorder(background.segmenter.mask(face.image), pad, pad, pad, pad, cv2.BORDER_CONSTANT,
                                  value=0)
        prior = face_mask([lm], img.shape, mask.shape) if background.config.face_prior else None
        if prior is not None:  # the face counts as person, as in the app (the true points stand in for the tracker's)
            np.maximum(mask, prior, out=mask)
        img = background.render(img, mask)
    if flt is not None:
        img = flt.render(img, [lm])
    cx = lm[:, 0].mean()
    cy = lm[:, 1].mean() - 0.95 * scale  # head-space hats, halos and antlers stand well above the brows
    half = 2.15 * scale
    big = 2 * size  # warp at twice the size, then box-filter down: smooth whether zooming in or out
    k = big / (2 * half)
    m = np.array([[k, 0, big / 2 - 0.5 - k * cx], [0, k, big / 2 - 0.5 - k * cy]])
    crop = cv2.warpAffine(
        img, m, (big, big), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(72, 72, 72)
    )
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.55) -> None:
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (40, 40, 40), 1, cv2.LINE_AA)


def make_grid(filters: dict[str, Filter], faces: Sequence[GalleryFace], cell: int = 200,
              backgrounds: Sequence[str] = (), segmenter: Segmenter | None = None) -> np.ndarray:
    """The gallery as one BGR image: a header row of face labels, then one row per filter, then one
    per background effect (``backgrounds``: ``facefilter --background`` choices, e.g. ``blur``;
    ``segmenter``: who finds the person, default :class:`PersonSegmenter`)."""
    rows: list[tuple[str, Filter | None, BackgroundEffect | None]] = [
        ("(no filter)", None, None), *((f.title, f, None) for f in filters.values())]
    if backgrounds:
        segmenter = segmenter or PersonSegmenter()
        for text in backgrounds:
            spec = BackgroundSpec.parse(text)
            rows.append((f"bg: {str(spec).removeprefix('image:')}", None, BackgroundEffect(spec, segmenter)))
    width = LABEL_WIDTH + cell * len(faces)
    grid = np.full((HEADER_HEIGHT + cell * len(rows), width, 3), 250, np.uint8)
    for j, face in enumerate(faces):
        _text(grid, face.label, (LABEL_WIDTH + j * cell + 8, HEADER_HEIGHT - 11))
    for i, (title, flt, background) in enumerate(rows):
        y = HEADER_HEIGHT + i * cell
        _text(grid, title, (10, y + cell // 2 + 6), 0.6)
        for j, face in enumerate(faces):
            x = LABEL_WIDTH + j * cell
            grid[y : y + cell, x : x + cell] = _cell(face, flt, cell, background)
        grid[y, :] = 220
    return grid


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="facefilter-gallery", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for gallery.png")
    ap.add_argument("--data", type=Path, default=default_data_dir(), help="shared data folder (holds ibug300w-train)")
    ap.add_argument("--cell", type=int, default=None, help="cell size in pixels (default: 200, swap 170, 3d 136)")
    ap.add_argument("--only", nargs="*", help="only these filters ('none': no filter rows)")
    ap.add_argument("--backgrounds", nargs="*", default=["blur", "image:beach"], metavar="EFFECT",
                    help="a row per background effect, as facefilter --background takes it (default: blur image:beach)")
    ap.add_argument("--jpeg", type=Path, help="also write a smaller JPEG copy here (e.g. docs/gallery.jpg)")
    ap.add_argument("--sheet", choices=("filters", "swap", "3d"), default="filters",
                    help="filters: every filter on varied faces (gallery.png); swap: the face swap sheet "
                    "(face_swap.png, facefilter.tools.swap_sheet); 3d: the head-space filters on turned faces "
                    "next to their 2-D versions (gallery_3d.png, facefilter.tools.sheet3d)")
    args = ap.parse_args(argv)
    if args.sheet == "swap":
        return _swap_sheet(args)
    if args.sheet == "3d":
        return _sheet_3d(args)
    try:
        faces = pick_faces(args.data)
    except (FileNotFoundError, ValueError) as exc:
        print(f"facefilter-gallery: {exc}", file=sys.stderr)
        return 1
    filters = builtin_filters()
    if args.only:
        filters = {k: v for k, v in filters.items() if k in args.only}
    grid = make_grid(filters, faces, args.cell or 200, args.backgrounds)
    _write_sheet(grid, args.out / "gallery.png", args.jpeg, 82,
                 f" ({len(filters)} filters, {len(args.backgrounds)} backgrounds x {len(faces)} faces)", "MB")
    return 0


def _write_sheet(sheet: np.ndarray, path: Path, jpeg: Path | None, quality: int, detail: str = "",
                 unit: str = "KB") -> None:
    """Write ``sheet`` (BGR) as the PNG ``path`` and, if asked, a JPEG copy at ``jpeg``; say so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), sheet)
    print(f"wrote {path}{detail}")
    if jpeg:
        jpeg.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(jpeg), sheet, [cv2.IMWRITE_JPEG_QUALITY, quality])
        size = jpeg.stat().st_size
        print(f"wrote {jpeg} ({size / 1e6:.2f} MB)" if unit == "MB" else f"wrote {jpeg} ({size / 1e3:.0f} KB)")


def _swap_sheet(args: argparse.Namespace) -> int:
    from facefilter.tools.swap_sheet import make_swap_sheet

    try:
        sheet = make_swap_sheet(pick_faces(args.data), size=args.cell or 170)
    except (FileNotFoundError, ValueError) as exc:
        print(f"facefilter-gallery: {exc}", file=sys.stderr)
        return 1
    _write_sheet(sheet, args.out / "face_swap.png", args.jpeg, 80)
    return 0


def _sheet_3d(args: argparse.Namespace) -> int:
    from facefilter.tools.sheet3d import build

    try:
        sheet, summary = build(args.data, Path(__file__).resolve().parents[2], args.cell or 136)
    except (FileNotFoundError, ValueError) as exc:
        print(f"facefilter-gallery: {exc}", file=sys.stderr)
        return 1
    _write_sheet(sheet, args.out / "gallery_3d.png", args.jpeg, 72, f" ({summary})")
    return 0

if __name__ == "__main__":
    sys.exit(main())
