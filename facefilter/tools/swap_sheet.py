"""``facefilter-gallery --sheet swap``: the face swap on real 300-W faces, as one contact sheet.

Three parts: pairs of faces swapped both ways (frontal, rolled, turned, mouth open); a face from
a photo (found by :func:`facefilter.filters.face_from_photo`: our detector and landmark model)
and the marble statue on faces of different pose; and one pair at morph 0, 0.25, 0.5, 0.75 and 1.
Targets use their annotated landmarks, as the filter gallery does. Images are BGR ``uint8``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from facefilter.filters import builtin_filters, face_from_photo, geometry, swap

LABEL_WIDTH = 150
HEADER = 30
GREY = (72, 72, 72)

Render = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (padded photo, its landmarks) -> rendered


@dataclass(frozen=True)
class SheetFace:
    """A photo (BGR) and its ``(68, 2)`` landmarks, with a label (as ``facefilter.tools.gallery.GalleryFace``)."""

    label: str
    image: np.ndarray
    landmarks: np.ndarray


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.55) -> None:
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (40, 40, 40), 1, cv2.LINE_AA)


def _yaw(image: np.ndarray, lm: np.ndarray) -> float | None:
    return swap.face_yaw(lm, (image.shape[1], image.shape[0]))


def cell(face: SheetFace, size: int, render: Render | None = None) -> np.ndarray:
    """The face (rendered by ``render``) cropped square around its landmarks, ``size`` px."""
    scale = geometry.face_scale(face.landmarks)
    pad = round(1.5 * scale)
    img = cv2.copyMakeBorder(face.image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=GREY)
    lm = face.landmarks + pad
    if render is not None:
        img = render(img, lm)
    cx, cy = lm[:, 0].mean(), lm[:, 1].mean() - 0.35 * scale
    big = 2 * size
    k = big / (3.0 * scale)
    m = np.array([[k, 0, big / 2 - 0.5 - k * cx], [0, k, big / 2 - 0.5 - k * cy]])
    crop = cv2.warpAffine(img, m, (big, big), flags=cv2.INTER_LINEAR, borderValue=GREY)
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)


def swapper(source: SheetFace, morph: float = 1.0) -> Render:
    """Lays ``source``'s face (its annotated landmarks, its yaw) onto a padded photo's face."""
    src = swap.SourceFace.from_image(source.image, source.landmarks, yaw=_yaw(source.image, source.landmarks))

    def render(img: np.ndarray, lm: np.ndarray) -> np.ndarray:
        out = img.copy()
        swap.swap_face(out, lm, src, morph=morph, target_yaw=_yaw(img, lm))
        return out

    return render


def filter_render(flt: object) -> Render:
    return lambda img, lm: flt.render(img, [lm])  # type: ignore[attr-defined]


def _row(cells: list[np.ndarray], label: str, size: int) -> np.ndarray:
    row = np.full((size, LABEL_WIDTH + size * len(cells), 3), 250, np.uint8)
    for j, c in enumerate(cells):
        row[:, LABEL_WIDTH + j * size : LABEL_WIDTH + (j + 1) * size] = c
    for i, line in enumerate(label.split("\n")):
        _text(row, line, (8, size // 2 - 8 + 20 * i), 0.5)
    return row


def _header(titles: list[str], size: int, width: int, heading: str = "") -> np.ndarray:
    """Column titles; with ``heading``, a section title line above them."""
    bar = np.full((HEADER, width, 3), 250, np.uint8)
    for j, t in enumerate(titles):
        _text(bar, t, (LABEL_WIDTH + j * size + 6, HEADER - 10), 0.45)
    if not heading:
        return bar
    top = np.full((HEADER + 6, width, 3), 225, np.uint8)
    cv2.putText(top, heading, (8, HEADER - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.62, (30, 30, 30), 1, cv2.LINE_AA)
    return np.vstack([top, bar])


def two_people(left: SheetFace, right: SheetFace, size: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """A ``3 * size`` x ``size`` frame with two people side by side, and their landmarks in it."""
    halves, points = [], []
    for j, face in enumerate((left, right)):
        w = 3 * size // 2
        scale = geometry.face_scale(face.landmarks)
        k = 0.55 * size / scale / 1.0
        c = face.landmarks.mean(0)
        m = np.array([[k, 0, w / 2 - k * c[0]], [0, k, size * 0.55 - k * c[1]]])
        halves.append(cv2.warpAffine(face.image, m, (w, size), flags=cv2.INTER_AREA, borderValue=GREY))
        points.append(geometry.apply_affine(m, face.landmarks) + (j * w, 0))
    return np.hstack(halves), points


def make_swap_sheet(faces_in: Sequence[SheetFace], size: int = 170, photo_cache: Path | None = None) -> np.ndarray:
    """The contact sheet as one BGR image (see the module docstring) from the gallery's faces
    (:func:`facefilter.tools.gallery.pick_faces`: labels ``frontal``, ``rolled left``, ``rolled right``,
    ``turned left``, ``turned right``, ``mouth open``)."""
    faces = {f.label: f for f in faces_in}
    missing = {"frontal", "rolled left", "rolled right", "turned left", "turned right", "mouth open"} - set(faces)
    if missing:
        raise ValueError(f"the swap sheet needs faces labelled {sorted(missing)}")
    cols = 6
    width = LABEL_WIDTH + cols * size
    parts: list[np.ndarray] = []

    def pad(row: np.ndarray) -> np.ndarray:
        return np.hstack([row, np.full((row.shape[0], width - row.shape[1], 3), 250, np.uint8)])

    titles = ["A", "B", "A's face on B", "B's face on A"]
    parts.append(_header(titles, size, width, "Pairs of 300-W faces swapped (the swap with its own landmarks)"))
    for a, b in (("frontal", "turned right"), ("rolled left", "mouth open"), ("turned left", "rolled right")):
        fa, fb = faces[a], faces[b]
        cells = [cell(fa, size), cell(fb, size), cell(fb, size, swapper(fa)), cell(fa, size, swapper(fb))]
        parts.append(pad(_row(cells, f"{a}\n+ {b}", size)))
    frame, points = two_people(faces["frontal"], faces["mouth open"], size)
    swapped = builtin_filters()["face_swap"].render(frame, points)
    parts.append(_header(["two people in one frame", "", "", "the face_swap filter"], size, width))
    parts.append(_row([frame[:, i * size : (i + 1) * size] for i in range(3)]
                      + [swapped[:, i * size : (i + 1) * size] for i in range(3)], "face_swap", size))  # fmt: skip
    targets = [faces[k] for k in ("frontal", "rolled left", "turned left", "turned right", "mouth open")]
    photo_face = faces["rolled right"]
    with tempfile.TemporaryDirectory(prefix="facefilter-sheet-") as tmp:
        path = Path(tmp) / "photo.png"
        cv2.imwrite(str(path), photo_face.image)
        photo = face_from_photo(path, cache_dir=photo_cache or Path(tmp) / "cache")
        titles = ["the photo", *(t.label for t in targets)]
        parts.append(_header(titles, size, width, "A face from a photo, on faces of different pose"))
        parts.append(_row([cell(photo_face, size), *(cell(t, size, filter_render(photo)) for t in targets)],
                          "face_from_photo\n(our detector\n+ model)", size))  # fmt: skip
    statue = builtin_filters()["marble_statue"]
    statue_img = cv2.imread(str(statue.manifest.folder / "statue.png"), cv2.IMREAD_UNCHANGED)
    source = _statue_cell(statue_img, size)
    heading = "The marble statue (built-in; a face rendered by facefilter)"
    parts.append(_header(["the statue", *(t.label for t in targets)], size, width, heading))
    parts.append(_row([source, *(cell(t, size, filter_render(statue)) for t in targets)], "marble_statue", size))
    fa, fb = faces["frontal"], faces["turned right"]
    morphs = (0.25, 0.5, 0.75, 1.0)
    parts.append(_header(["B (morph 0)", *(f"morph {m:g}" for m in morphs), "A"], size, width, "Morph: A onto B"))
    cells = [cell(fb, size), *(cell(fb, size, swapper(fa, m)) for m in morphs), cell(fa, size)]
    parts.append(_row(cells, "morph", size))
    return np.vstack(parts)


def _statue_cell(bgra: np.ndarray, size: int) -> np.ndarray:
    """The statue picture on the sheet's grey, cropped like the other cells."""
    from facefilter.tools.art.statue import statue_landmarks

    a = bgra[..., 3:4].astype(np.float32) / 255
    bgr = (bgra[..., :3] * a + np.array(GREY, np.float32) * (1 - a) + 0.5).astype(np.uint8)
    return cell(SheetFace("statue", bgr, statue_landmarks()), size)


REAL_PHOTOS = ("grp_bbt4.jpg", "grp_bbt5.jpg", "grp_friends_t1.jpg")
REAL_VIDEO = "pose_roll_yaw_pair.mp4"


def _zoom(frame: np.ndarray, landmarks: np.ndarray, size: int) -> np.ndarray:
    """A ``size`` px square crop of ``frame`` around a face (2.8 template units across, edge grey)."""
    return cell(SheetFace("", frame, np.asarray(landmarks, np.float64)), size)


def make_real_sheet(folder: Path, height: int = 200, video_frames: int = 6) -> np.ndarray:
    """Real two-person footage swapped by the ``face_swap`` filter, before | after, as one BGR sheet.

    ``folder`` holds :data:`REAL_PHOTOS` (the two largest faces of each group photo trade, with
    the tracker's landmarks and poses) and :data:`REAL_VIDEO` (every frame tracked and swapped
    with its time, as in the app; ``video_frames`` of them shown, evenly spaced). Missing files
    are skipped; ``ValueError`` when none is there.
    """
    from facefilter.tracker import FaceTracker

    rows: list[np.ndarray] = []
    flt = builtin_filters()["face_swap"]

    def pair_row(frame: np.ndarray, faces: Sequence[object], out: np.ndarray, label: str) -> np.ndarray:
        cells = []
        for f in faces:
            lm = f.landmarks  # type: ignore[attr-defined]
            cells += [_zoom(frame, lm, height), _zoom(out, lm, height), np.full((height, 8, 3), 250, np.uint8)]
        row = np.hstack(cells)
        bar = np.full((24, row.shape[1], 3), 250, np.uint8)
        _text(bar, label, (6, 17), 0.5)
        return np.vstack([bar, row])

    for name in REAL_PHOTOS:
        img = cv2.imread(str(folder / name), cv2.IMREAD_COLOR)
        if img is None:
            continue
        tracker = FaceTracker(max_faces=10)
        faces = tracker.process(img, 0.0)
        faces = sorted(faces, key=lambda f: -f.box.width)[:2]
        if len(faces) < 2:
            continue
        flt.reset()
        label = f"{name}: the two largest faces trade (each: before, after)"
        rows.append(pair_row(img, faces, flt.render(img, faces), label))
    cap = cv2.VideoCapture(str(folder / REAL_VIDEO))
    if cap.isOpened():
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or 1
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        show = set(np.linspace(0, n - 1, video_frames + 2).round().astype(int)[1:-1])
        tracker = FaceTracker(max_faces=4)
        flt.reset()
        i = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            faces = tracker.process(frame, i / fps)
            out = flt.render(frame, faces, i / fps)
            if i in show and len(faces) >= 2:
                rows.append(pair_row(frame, faces, out, f"{REAL_VIDEO} frame {i} (t = {i / fps:.1f} s)"))
            i += 1
        cap.release()
    if not rows:
        raise ValueError(f"no real footage found in {folder}")
    width = max(r.shape[1] for r in rows)
    rows = [np.hstack([r, np.full((r.shape[0], width - r.shape[1], 3), 250, np.uint8)]) for r in rows]
    return np.vstack(rows)


def main(argv: list[str] | None = None) -> int:
    """``python -m facefilter.tools.swap_sheet --real OUT``: the real-footage sheet (the gallery's
    swap sheet is ``facefilter-gallery --sheet swap``)."""
    import argparse

    from facefilter.data import SHARED_DATA

    ap = argparse.ArgumentParser(prog="python -m facefilter.tools.swap_sheet", description=main.__doc__)
    ap.add_argument("--real", type=Path, required=True, help="the real-footage sheet to write (JPEG or PNG)")
    ap.add_argument("--real-data", type=Path, default=SHARED_DATA / "real-dev", help="folder of real footage")
    args = ap.parse_args(argv)
    cv2.setNumThreads(1)
    try:
        sheet = make_real_sheet(args.real_data)
    except ValueError as exc:
        print(f"swap_sheet: {exc}")
        return 1
    cv2.imwrite(str(args.real), sheet, [cv2.IMWRITE_JPEG_QUALITY, 88])
    print(f"wrote {args.real} ({sheet.shape[1]}x{sheet.shape[0]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
