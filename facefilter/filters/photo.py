"""A face from a photo: :func:`face_from_photo` turns a picture with one face into a swap filter.

The photo's 68 landmarks come from our own detector (:class:`facefilter.detect.BlazeFaceDetector`)
and the accurate landmark ensemble (:meth:`facefilter.landmarks.LandmarkModel.load`), once per
photo: the result is cached on disk in ``$FACEFILTER_CACHE_DIR`` or the user cache folder
(``~/.cache/facefilter/photo-faces`` on Linux), keyed by the SHA-256 of the file's bytes, as
three files: ``<hash>.png`` (the face's region, at most :data:`~facefilter.filters.swap.MAX_SOURCE_SCALE`
pixels per inter-ocular unit), ``<hash>.json`` (its landmarks in that image) and
``<hash>-thumb.png`` (the toolbar icon). A cached photo opens without loading any model. The
cache does not know which landmark weights made an entry: delete the folder after changing them.

Images are BGR ``uint8``; points are pixels with the origin at the centre of the top-left pixel.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import platformdirs

from facefilter.filters import geometry
from facefilter.filters.engine import Filter
from facefilter.filters.face_finder import find_face
from facefilter.filters.manifest import FilterError, FilterManifest, Layer, Placement
from facefilter.filters.swap import MAX_SOURCE_SCALE, SwapSpec
from facefilter.types import N_LANDMARKS

PHOTO_FILTER = "face_photo"  # the name of the filter face_from_photo returns
CACHE_ENV = "FACEFILTER_CACHE_DIR"
CACHE_VERSION = 1
MAX_PHOTO_BYTES = 40 * 2**20
MAX_PHOTO_PIXELS = 50_000_000
THUMB_SIZE = 128


def photo_cache_dir() -> Path:
    """``$FACEFILTER_CACHE_DIR`` or the user cache folder, plus ``photo-faces`` (not created here)."""
    env = os.environ.get(CACHE_ENV)
    root = Path(env) if env else platformdirs.user_cache_path("facefilter", appauthor=False)
    return root / "photo-faces"


def read_photo(path: Path) -> tuple[np.ndarray, bytes]:
    """(BGR ``uint8`` image, file bytes) of a photo; :class:`FilterError` naming the file when it is
    missing, too big (:data:`MAX_PHOTO_BYTES`, :data:`MAX_PHOTO_PIXELS`) or not an image."""
    try:
        size = path.stat().st_size
        if size > MAX_PHOTO_BYTES:
            raise _error(path, f"{size / 2**20:.0f} MB is too big (at most {MAX_PHOTO_BYTES // 2**20} MB)")
        data = path.read_bytes()
    except OSError as exc:
        raise _error(path, f"cannot read ({exc.strerror or exc})") from None
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if img is None:
        raise _error(path, "not an image this app can read (JPEG, PNG, WebP, BMP...)")
    if img.shape[0] * img.shape[1] > MAX_PHOTO_PIXELS:
        raise _error(path, f"{img.shape[1]}x{img.shape[0]} is too big (at most {MAX_PHOTO_PIXELS // 10**6} megapixels)")
    return img, data


def _error(path: Path, message: str) -> FilterError:
    return FilterError("Face from photo", str(path), message)


def face_from_photo(
    image_path: str | Path, *, cache_dir: Path | None = None, detector: Any = None, model: Any = None
) -> Filter:
    """A filter laying the one face of the photo at ``image_path`` onto every face in the frame.

    It is a one-layer ``swap`` filter named :data:`PHOTO_FILTER` (``render(frame_bgr, faces)`` as
    every filter; ``morph`` settable). The landmarks are found once per photo and cached (see
    the module docstring; ``cache_dir`` overrides :func:`photo_cache_dir`; ``detector`` and
    ``model`` as in :func:`~facefilter.filters.face_finder.find_face`). Raises
    :class:`FilterError` naming the file when it cannot be read, is too big, or holds no face or
    several.
    """
    path = Path(image_path)
    img, data = read_photo(path)
    digest = hashlib.sha256(data).hexdigest()[:40]
    folder = cache_dir if cache_dir is not None else photo_cache_dir()
    entry = _load_entry(folder, digest)
    if entry is None:
        try:
            points = find_face(img, path.name, detector=detector, model=model)
        except ValueError as exc:
            raise _error(path, str(exc)) from None
        folder, entry = _save_entry(folder, digest, img, points)
    crop, points = entry
    title = path.stem if len(path.stem) <= 24 else path.stem[:23] + "…"
    layer = Layer(Placement.SWAP, index=0, name="photo face", swap=SwapSpec(image=crop, points=points))
    manifest = FilterManifest(PHOTO_FILTER, folder, title, folder / f"{digest}-thumb.png", (layer,),
                              description=f"The face in {path.name}")
    return Filter(manifest)


def _load_entry(folder: Path, digest: str) -> tuple[Path, np.ndarray] | None:
    """(face image, its landmarks) of a cached photo, or None if absent, stale or unreadable."""
    meta, crop, thumb = folder / f"{digest}.json", folder / f"{digest}.png", folder / f"{digest}-thumb.png"
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
        pts = np.asarray(data["points"], np.float64)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if data.get("version") != CACHE_VERSION or pts.shape != (N_LANDMARKS, 2):
        return None
    if not crop.is_file() or not thumb.is_file():
        return None
    return crop, pts


def _save_entry(
    folder: Path, digest: str, image: np.ndarray, points: np.ndarray
) -> tuple[Path, tuple[Path, np.ndarray]]:
    """Write the face region, its landmarks and a thumbnail; returns (the folder used, the entry).

    A folder that cannot be written (read-only home) falls back to a fresh temporary folder.
    """
    scale = geometry.face_scale(points)
    ext = geometry.extend_landmarks(points)
    lo = np.floor(ext.min(0) - 0.3 * scale).astype(int)
    hi = np.ceil(ext.max(0) + 0.3 * scale).astype(int) + 1
    lo, hi = np.maximum(lo, 0), np.minimum(hi, (image.shape[1], image.shape[0]))
    crop = image[lo[1] : hi[1], lo[0] : hi[0]]
    pts = points - lo
    if scale > MAX_SOURCE_SCALE:
        f = MAX_SOURCE_SCALE / scale
        size = (max(1, round(crop.shape[1] * f)), max(1, round(crop.shape[0] * f)))
        fx, fy = size[0] / crop.shape[1], size[1] / crop.shape[0]
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        pts = (pts + 0.5) * (fx, fy) - 0.5
    thumb = _thumbnail(image, points)
    meta = {"version": CACHE_VERSION, "points": np.round(pts, 3).tolist()}
    try:
        _write_entry(folder, digest, crop, thumb, meta)
    except OSError:
        folder = Path(tempfile.mkdtemp(prefix="facefilter-photo-"))
        _write_entry(folder, digest, crop, thumb, meta)
    return folder, (folder / f"{digest}.png", pts)


def _write_entry(folder: Path, digest: str, crop: np.ndarray, thumb: np.ndarray, meta: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, img in ((f"{digest}.png", crop), (f"{digest}-thumb.png", thumb)):
        if not cv2.imwrite(str(folder / name), img):
            raise OSError(f"cannot write {folder / name}")
    tmp = folder / f"{digest}.json.tmp"
    tmp.write_text(json.dumps(meta), encoding="utf-8")
    os.replace(tmp, folder / f"{digest}.json")  # last: an entry is complete or absent


def _thumbnail(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """A :data:`THUMB_SIZE` square BGR crop around the face (edge pixels repeated beyond the photo)."""
    scale = geometry.face_scale(points)
    cx, cy = points.mean(0)
    cy -= 0.25 * scale
    k = THUMB_SIZE / (2.6 * scale)
    m = np.array([[k, 0, THUMB_SIZE / 2 - 0.5 - k * cx], [0, k, THUMB_SIZE / 2 - 0.5 - k * cy]])
    big = image if k >= 0.5 else cv2.resize(image, None, fx=2 * k, fy=2 * k, interpolation=cv2.INTER_AREA)
    if big is not image:
        f = big.shape[1] / image.shape[1]
        m = m @ np.array([[1 / f, 0, (1 / f - 1) / 2], [0, 1 / f, (1 / f - 1) / 2], [0, 0, 1]])
    return cv2.warpAffine(big, m, (THUMB_SIZE, THUMB_SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
