"""Face-landmark data sets: the official 300-W folder, dlib-style labels XML, image + ``.pts`` folders.

Every loader returns :class:`FaceRecord` items plus a list of warnings for faces it skipped
(missing or corrupt image, wrong number of points, malformed entry), each naming the file.
Also the seeded train/validation split and the tight box. No torch here: training, evaluation
and every tool read faces through this module.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facefilter.types import N_LANDMARKS

log = logging.getLogger(__name__)

# Where the project's shared data sits in a checkout: ``../shared/data`` beside the repository
# (the tools' and benchmarks' default; tests and the gallery also honour ``$FACEFILTER_DATA``).
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
OFFICIAL_XML = {"train": "labels_ibug_300W_train.xml", "test": "labels_ibug_300W_test.xml"}


class DatasetError(RuntimeError):
    """A dataset path holds no usable faces, or cannot be read at all."""


@dataclass(frozen=True)
class FaceRecord:
    """One annotated face: its image file, tight box ``(l, t, w, h)`` and ``(68, 2)`` points."""

    image: Path
    box: np.ndarray
    points: np.ndarray


@dataclass
class LoadReport:
    """Faces found and faces skipped (with the reason, naming the file)."""

    records: list[FaceRecord]
    warnings: list[str]

    @property
    def skipped(self) -> int:
        return len(self.warnings)


def parse_pts(path: str | Path) -> np.ndarray:
    """Read a 300-W ``.pts`` file (1-based, with or without the ``version/n_points/{ }`` header).

    Returns ``(68, 2)`` float32 0-based pixels. Raises ``ValueError`` naming the file otherwise.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror})") from None
    values: list[list[float]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line in "{}" or line.split(":")[0].strip() in ("version", "n_points"):
            continue
        parts = line.replace(",", " ").split()
        try:
            xy = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"{path}: cannot parse line {line!r}") from None
        if len(xy) != 2:
            raise ValueError(f"{path}: expected 'x y' per line, got {line!r}")
        values.append(xy)
    if len(values) != N_LANDMARKS:
        raise ValueError(f"{path}: expected {N_LANDMARKS} points, found {len(values)}")
    return np.asarray(values, dtype=np.float32) - 1.0


def parse_labels_xml(path: str | Path) -> LoadReport:
    """Read a dlib/300-W labels XML; image paths are relative to the XML's folder."""
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise DatasetError(f"{path}: malformed or unreadable XML ({exc})") from None
    records: list[FaceRecord] = []
    warnings: list[str] = []
    for img in root.iter("image"):
        name = img.get("file")
        if not name:
            warnings.append(f"{path}: <image> without a file attribute skipped")
            continue
        image_path = path.parent / name
        for box in img.findall("box"):
            try:
                pts = np.zeros((N_LANDMARKS, 2), dtype=np.float32)
                seen = set()
                for part in box.findall("part"):
                    i = int(part.get("name", ""))
                    pts[i] = (float(part.get("x", "")), float(part.get("y", "")))
                    seen.add(i)
                if seen != set(range(N_LANDMARKS)):
                    raise ValueError(f"expected parts 00..67, found {len(seen)}")
                b = np.array([float(box.get(k, "")) for k in ("left", "top", "width", "height")], np.float32)
            except (ValueError, IndexError) as exc:
                warnings.append(f"{image_path}: bad annotation in {path.name} skipped ({exc})")
                continue
            if not image_path.is_file():
                warnings.append(f"{image_path}: image file missing, face skipped")
                continue
            records.append(FaceRecord(image_path, b, pts))
    return LoadReport(records, warnings)


def tight_box(points: np.ndarray) -> np.ndarray:
    """``(4,)`` float32 ``(left, top, width, height)`` of the tightest box around ``(N, 2)`` points."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    return np.array([lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]], dtype=np.float32)


def parse_pts_folder(folder: str | Path) -> LoadReport:
    """Pair every ``*.pts`` under ``folder`` with the image of the same stem beside it."""
    folder = Path(folder)
    records: list[FaceRecord] = []
    warnings: list[str] = []
    for pts_path in sorted(folder.rglob("*.pts")):
        image = next((p for s in IMAGE_SUFFIXES if (p := pts_path.with_suffix(s)).is_file()), None)
        if image is None:
            warnings.append(f"{pts_path}: no image with the same name, face skipped")
            continue
        try:
            pts = parse_pts(pts_path)
        except ValueError as exc:
            warnings.append(f"{exc}; face skipped")
            continue
        records.append(FaceRecord(image, tight_box(pts), pts))
    return LoadReport(records, warnings)


def discover(path: str | Path, split: str = "train") -> LoadReport:
    """Load the annotations at ``path``.

    ``path`` may be a labels XML file, the official ``ibug_300W_large_face_landmark_dataset``
    folder (``split`` picks ``labels_ibug_300W_train.xml`` or ``_test.xml``), a folder with a
    ``labels.xml``, or a folder of images with ``.pts`` files.
    """
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: no such file or folder")
    if path.is_file():
        if path.suffix.lower() != ".xml":
            raise DatasetError(f"{path}: expected a labels .xml file or a folder")
        report = parse_labels_xml(path)
    elif (path / OFFICIAL_XML[split]).is_file():
        report = parse_labels_xml(path / OFFICIAL_XML[split])
    elif (path / "labels.xml").is_file():
        report = parse_labels_xml(path / "labels.xml")
    else:
        report = parse_pts_folder(path)
    if not report.records:
        detail = f" ({report.skipped} skipped: {report.warnings[0]})" if report.warnings else ""
        raise DatasetError(f"{path}: no usable annotated faces found{detail}")
    return report


def load_many(paths: Iterable[str | Path], split: str = "train") -> LoadReport:
    """:func:`discover` each path and concatenate, logging a warning per skipped face."""
    records: list[FaceRecord] = []
    warnings: list[str] = []
    for p in paths:
        r = discover(p, split)
        records += r.records
        warnings += r.warnings
    for w in warnings:
        log.warning(w)
    return LoadReport(records, warnings)


def split_indices(n: int, val_fraction: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded, reproducible train/validation split of ``range(n)``: (train, val), both sorted."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    perm = np.random.default_rng(seed).permutation(n)
    n_val = max(1, round(n * val_fraction))
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])
