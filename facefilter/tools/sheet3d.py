"""``facefilter-gallery --sheet 3d``: the head-space filters on turned faces, next to their 2-D versions.

Columns: the mean face (:func:`facefilter.tools.mannequin.mannequin`) at known yaws from -40 to +40
degrees, then real 300-W faces picked by their estimated yaw (annotated landmarks, nearly level
heads). Rows: each built-in filter that has ``head`` layers; under it, when the filter existed
before head space, the same filter as it was in 2-D, read from the git history of the repository
(:data:`FLAT_REV`, the last commit with the 2-D manifests).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from facefilter.filters import geometry
from facefilter.filters.engine import Filter
from facefilter.filters.loader import builtin_filters
from facefilter.filters.manifest import FilterError, Placement
from facefilter.pose import estimate_pose
from facefilter.tools.mannequin import mannequin
from facefilter.types import HeadPose

FLAT_REV = "fdd5ee55fdbbccda06eeb39f73ac78f0e2eae363"  # the built-in filters before head space
MANNEQUIN_YAWS = (-40.0, -20.0, 0.0, 20.0, 40.0)
PHOTO_YAWS = (-40.0, -20.0, 20.0, 40.0)  # the 300-W faces' estimated yaws reach about -42 and +47
LABEL_WIDTH = 150
HEADER_HEIGHT = 30
BACKGROUND = (72, 72, 72)


@dataclass(frozen=True)
class Column:
    """One column: a photo (or a rendered mannequin) with its landmarks and, when known, its pose."""

    label: str
    image: np.ndarray
    landmarks: np.ndarray
    pose: HeadPose | None = None


def head_space_filters() -> dict[str, Filter]:
    """The built-in filters with at least one ``head`` layer, in toolbar order."""
    filters = builtin_filters().items()
    return {n: f for n, f in filters if any(layer.placement is Placement.HEAD for layer in f.manifest.layers)}


def flat_filters(names: Sequence[str], repo: Path, dest: Path, rev: str = FLAT_REV) -> dict[str, Filter]:
    """The filters ``names`` as they were at ``rev`` (``git show`` into ``dest``); those absent there skipped.

    Raises ``FileNotFoundError`` when ``repo`` is not a git checkout holding ``rev``.
    """
    def git(*args: str) -> bytes:
        try:
            return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True, timeout=60).stdout
        except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise FileNotFoundError(f"cannot read {rev[:10]} from the git history of {repo}: {exc}") from exc

    git("cat-file", "-e", f"{rev}^{{commit}}")
    out: dict[str, Filter] = {}
    for name in names:
        files = git("ls-tree", "-r", "--name-only", rev, f"assets/filters/{name}/").decode().split()
        if not files:
            continue
        folder = dest / name
        folder.mkdir(parents=True, exist_ok=True)
        for f in files:
            (folder / Path(f).name).write_bytes(git("show", f"{rev}:{f}"))
        try:
            out[name] = Filter.load(folder)
        except FilterError:
            continue
    return out


def mannequin_columns(size: int, yaws: Sequence[float] = MANNEQUIN_YAWS) -> list[Column]:
    """The mean face at ``yaws`` (pitch 0, roll 0), framed like :func:`_photo_cell` frames a photo."""
    cols = []
    for yaw in yaws:
        # 600 mm from a camera of focal 1.75 x size: the head with antlers (~330 mm) fills the cell.
        pose = HeadPose.from_angles(yaw, 0.0, 0.0, (0.0, 45.0, 600.0), 1.75 * size, ((size - 1) / 2, (size - 1) / 2))
        img, lm = mannequin(pose, (size, size), background=(205, 196, 186))
        cols.append(Column(f"model {yaw:+.0f}", img, lm, pose))
    return cols


def pick_turned_faces(data_dir: Path, yaws: Sequence[float] = PHOTO_YAWS) -> list[Column]:
    """300-W training faces whose estimated yaw is nearest to each of ``yaws`` (pitch and roll under
    20 deg, at least 80 px between the eyes; deterministic). Raises ``FileNotFoundError`` without the data."""
    from facefilter.data import discover

    ibug = data_dir / "ibug300w-train"
    if not (ibug / "labels.xml").is_file():
        raise FileNotFoundError(f"no 300-W data at {ibug} (set FACEFILTER_DATA)")
    records = discover(ibug).records
    scale = np.array([geometry.face_scale(r.points) for r in records])
    big = scale >= 80.0
    angles = []
    for r in records:
        c = r.points.mean(0)  # a camera centred on the face: its principal point does not bias the yaw
        angles.append(_angles(estimate_pose(r.points, (2 * c[0] + 1, 2 * c[1] + 1))))
    a = np.array(angles)
    ok = big & (np.abs(a[:, 1]) < 20) & (np.abs(a[:, 2]) < 20)
    cols = []
    for yaw in yaws:
        for i in np.argsort(np.where(ok, np.abs(a[:, 0] - yaw), np.inf), kind="stable"):
            img = cv2.imread(str(records[i].image), cv2.IMREAD_COLOR)
            pts = records[i].points.astype(np.float64)
            margin = 0.25 * scale[i]  # not a face cut by the edge of its photo
            if img is not None and pts.min() > margin and (pts.max(0) < np.array(img.shape[1::-1]) - margin).all():
                break
        ok[i] = False
        cols.append(Column(f"photo {a[i, 0]:+.0f}", img, pts))
    cols.sort(key=lambda col: float(col.label.split()[-1]))
    return cols


def _angles(pose: HeadPose) -> tuple[float, float, float]:
    return pose.yaw, pose.pitch, pose.roll


def _photo_cell(col: Column, flt: Filter | None, size: int) -> np.ndarray:
    """The photo (rendered with ``flt``) padded with grey and cropped square round the head, from the
    chin to above where antlers end, framed as :func:`mannequin_columns` frames the mean face (the
    300-W crops end just above the hair)."""
    scale = geometry.face_scale(col.landmarks)
    pad = round(3.5 * scale)
    img = cv2.copyMakeBorder(col.image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=BACKGROUND)
    lm = col.landmarks + pad
    if flt is not None:
        img = flt.render(img, [lm])
    pose = estimate_pose(lm, (img.shape[1], img.shape[0]))
    top, chin, mid = pose.project(np.array([[0.0, -240.0, 40.0], [0.0, 120.0, 20.0], [0.0, -50.0, 30.0]],
                                           np.float32)).astype(np.float64)  # fmt: skip
    half = 0.5 * float(np.linalg.norm(top - chin))
    cx, cy = mid[0], (top[1] + chin[1]) / 2
    big = 2 * size
    k = big / (2 * half)
    m = np.array([[k, 0, big / 2 - 0.5 - k * cx], [0, k, big / 2 - 0.5 - k * cy]])
    crop = cv2.warpAffine(img, m, (big, big), flags=cv2.INTER_LINEAR, borderValue=BACKGROUND)
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)


def _mannequin_cell(col: Column, flt: Filter | None) -> np.ndarray:
    if flt is None:
        return col.image.copy()
    return flt.render(col.image, [_Posed(col.landmarks, col.pose)])


@dataclass(frozen=True)
class _Posed:
    """A face with its known pose, as the tracker hands them to filters."""

    landmarks: np.ndarray
    pose: HeadPose | None


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.5, colour=(40, 40, 40)) -> None:
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv2.LINE_AA)


def make_sheet_3d(filters: dict[str, Filter], flat: dict[str, Filter], columns: Sequence[Column],
                  cell: int = 128) -> np.ndarray:  # fmt: skip
    """The sheet as one BGR image: a header of column labels, then per filter a row in 3-D and, when
    ``flat`` has it, a row of its 2-D version."""
    rows: list[tuple[str, str, Filter]] = []
    for name, flt in filters.items():
        rows.append((flt.title, "3-D", flt))
        if name in flat:
            rows.append((flt.title, "2-D before", flat[name]))
    width = LABEL_WIDTH + cell * len(columns)
    sheet = np.full((HEADER_HEIGHT + cell * len(rows), width, 3), 250, np.uint8)
    for j, col in enumerate(columns):
        _text(sheet, col.label, (LABEL_WIDTH + j * cell + 6, HEADER_HEIGHT - 10), 0.45)
    for i, (title, kind, flt) in enumerate(rows):
        y = HEADER_HEIGHT + i * cell
        if kind == "3-D":
            _text(sheet, title, (8, y + cell // 2 - 4), 0.55)
            _text(sheet, kind, (8, y + cell // 2 + 18), 0.5, (30, 110, 30))
        else:
            _text(sheet, kind, (8, y + cell // 2 + 6), 0.5, (60, 60, 160))
        for j, col in enumerate(columns):
            x = LABEL_WIDTH + j * cell
            if col.pose is not None:
                big = _mannequin_cell(col, flt)
                sheet[y : y + cell, x : x + cell] = cv2.resize(big, (cell, cell), interpolation=cv2.INTER_AREA)
            else:
                sheet[y : y + cell, x : x + cell] = _photo_cell(col, flt, cell)
        sheet[y, :] = 200 if kind == "3-D" else 235
    return sheet


def build(data_dir: Path, repo: Path, cell: int = 128) -> tuple[np.ndarray, str]:
    """The sheet and a one-line summary. Raises ``FileNotFoundError`` without the 300-W data."""
    filters = head_space_filters()
    columns = [*mannequin_columns(2 * cell), *pick_turned_faces(data_dir)]
    tmp = Path(tempfile.mkdtemp(prefix="facefilter-flat-"))
    try:
        try:
            flat = flat_filters(list(filters), repo, tmp)
            note = f"2-D rows from {FLAT_REV[:10]}"
        except FileNotFoundError as exc:
            flat, note = {}, f"no 2-D rows ({exc})"
        sheet = make_sheet_3d(filters, flat, columns, cell)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return sheet, f"{len(filters)} head-space filters x {len(columns)} faces; {note}"
