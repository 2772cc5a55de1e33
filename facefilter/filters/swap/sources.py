"""Who swaps with whom, and the ``swap`` layer of a filter folder.

A ``swap`` layer's source is ``"other_face"`` (the faces in the frame trade) or a picture (a face
from a photo, :mod:`facefilter.filters.photo`; the marble statue, ``assets/filters/marble_statue``):
every source goes through the same :func:`~facefilter.filters.swap.face.swap_face`.

Faces in the frame are paired (:func:`pair_faces`): two faces trade; pairs already made are kept
while both faces stay (a third person walking in does not reshuffle them); faces left over pair up
left to right, and a last odd one takes its nearest neighbour's face. On video (a frame time
``t``, faces keyed by their track id) each target face's tone statistics are smoothed over
:data:`TONE_TAU` seconds; a face unseen for more than :data:`facefilter.filters.state.MAX_GAP`
seconds starts fresh. A still frame renders the same with or without a time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from facefilter.filters.state import MAX_GAP
from facefilter.filters.swap.colour import ToneStats
from facefilter.filters.swap.face import swap_face
from facefilter.filters.swap.mesh import SourceFace
from facefilter.filters.swap.turn import face_yaw, pose_yaw
from facefilter.types import N_LANDMARKS

MAX_SOURCE_SCALE = 150.0  # px per template unit: image sources are stored no finer than this
TONE_TAU = 0.3  # s: time constant of a face's smoothed tone statistics
OTHER_FACE = "other_face"
SWAP_KEYS = ("source", "source_points", "morph", "colour", "lightness", "keep_eyes", "keep_mouth")
NEEDS_TWO_FACES = "Face swap needs a second face in the picture"


@dataclass(frozen=True)
class SwapSpec:
    """A validated ``swap`` layer (see :mod:`facefilter.filters.manifest`).

    ``image``: the source picture (``None``: the next face in the frame, ``"other_face"``);
    ``points``: its ``(68, 2)`` float64 landmarks in that picture's pixels (``None``: found with
    the landmark model on first use, :func:`facefilter.filters.face_finder.find_face`); ``morph``,
    ``colour``, ``lightness``, ``keep_eyes``, ``keep_mouth`` as in
    :func:`~facefilter.filters.swap.face.swap_face`.
    """

    image: Path | None = None
    points: np.ndarray | None = None
    morph: float = 1.0
    colour: float = 1.0
    lightness: float = 1.0
    keep_eyes: bool = False
    keep_mouth: bool = True


def parse_swap(fields: Any, folder: Path, file_in_folder: Any, image_suffixes: tuple[str, ...]) -> SwapSpec:
    """Validate a ``swap`` layer's own fields; errors name the field (``fields`` is the manifest's
    typed accessor, ``file_in_folder(fields, key, folder, suffixes)`` resolves a file name)."""
    src = fields.string("source")
    image = None if src == OTHER_FACE else file_in_folder(fields, "source", folder, image_suffixes)
    points = None
    if fields.has("source_points"):
        if image is None:
            raise fields.error("source_points", f"only for an image source, not {OTHER_FACE!r}")
        path = file_in_folder(fields, "source_points", folder, (".pts", ".json"))
        try:
            points = read_points(path)
        except ValueError as exc:
            raise fields.error("source_points", str(exc)) from None
    morph = fields.number("morph", 1.0, 0.0, 1.0)
    colour = fields.number("colour", 1.0, 0.0, 1.0)
    lightness = fields.number("lightness", 1.0, 0.0, 1.0)
    keep = {}
    for key, default in (("keep_eyes", False), ("keep_mouth", True)):
        v = fields.table.get(key, default)
        if not isinstance(v, bool):
            raise fields.error(key, f"expected true or false, got {v!r}")
        keep[key] = v
    return SwapSpec(image, points, morph, colour, lightness, **keep)


def read_points(path: Path) -> np.ndarray:
    """``(68, 2)`` float64 landmarks from a ``.json`` list of 68 ``[x, y]`` (0-based pixels, this
    project's convention) or a 300-W ``.pts`` file (1-based, converted); ``ValueError`` naming the file."""
    path = Path(path)
    if path.suffix.lower() == ".pts":
        from facefilter.data import parse_pts

        return parse_pts(path).astype(np.float64)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name}: cannot read ({exc})") from None
    pts = np.asarray(data.get("points") if isinstance(data, dict) else data, dtype=object)
    try:
        arr = np.asarray(pts.tolist(), dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{path.name}: expected 68 [x, y] pairs of numbers") from None
    if arr.shape != (N_LANDMARKS, 2) or not np.isfinite(arr).all():
        raise ValueError(f"{path.name}: expected 68 finite [x, y] pairs, got shape {arr.shape}")
    return arr


def pair_faces(
    keys: Sequence[Hashable], xs: Sequence[float], previous: Mapping[Hashable, Hashable] | None = None
) -> dict[Hashable, Hashable]:
    """Whose face each face gets: ``{target key: source key}`` for faces with ``keys`` at image x ``xs``.

    Pairs in ``previous`` (last frame's answer) whose two faces are both still here are kept; the
    other faces pair up left to right (two faces trade); an odd last one takes the face of its
    nearest neighbour in x. Fewer than two faces: ``{}``.
    """
    if len(keys) < 2:
        return {}
    x = dict(zip(keys, xs, strict=True))
    out: dict[Hashable, Hashable] = {}
    prev = previous or {}
    for k in keys:
        p = prev.get(k)
        if p is not None and p != k and p in x and prev.get(p) == k:
            out[k] = p
    free = sorted((k for k in keys if k not in out), key=lambda k: x[k])
    for a, b in zip(free[0::2], free[1::2], strict=False):
        out[a], out[b] = b, a
    if len(free) % 2:
        last = free[-1]
        out[last] = min((k for k in keys if k != last), key=lambda k: abs(x[k] - x[last]))
    return out


@dataclass
class _Track:
    """What a swap layer remembers of one target face on video."""

    first_t: float
    last_t: float
    source: Hashable = None
    tone: ToneStats | None = None


class SwapLayer:
    """A ``swap`` layer ready to draw: the other face in the frame, or a picture's face, on every face.

    ``status`` says why nothing was drawn in the last frame (``""`` when something was).
    ``morph`` overrides the manifest's blend weight when not ``None`` (the app's slider).
    """

    def __init__(self, spec: SwapSpec, image: np.ndarray | None, filter_name: str, field: str) -> None:
        self.spec = spec
        self.filter_name = filter_name
        self.field = field
        self.morph: float | None = None
        self.status = ""
        self._image = image
        self._source: SourceFace | None = None
        self._error = ""
        self._tracks: dict[Hashable, _Track] = {}
        self._pairs: dict[Hashable, Hashable] = {}
        self._t: float | None = None
        self._prev_t: float | None = None
        if spec.image is not None and image is None:
            raise ValueError(f"{filter_name}: {field}: the source image was not read")
        if image is not None and spec.points is not None:
            self._source = self._prepare(spec.points)

    @property
    def default_morph(self) -> float:
        return self.spec.morph

    def reset(self) -> None:
        """Forget every face (pairs, smoothed tones)."""
        self._tracks.clear()
        self._pairs = {}
        self._t = None

    def _prepare(self, points: np.ndarray) -> SourceFace:
        assert self._image is not None
        h, w = self._image.shape[:2]
        yaw = face_yaw(points, (w, h))
        return SourceFace.from_image(self._image, points, yaw=yaw, max_scale=MAX_SOURCE_SCALE, n_levels=4)

    def _image_source(self) -> SourceFace | None:
        """The picture's face, its landmarks found on first use; None (and ``status``) if it has none."""
        if self._source is None and not self._error and self.spec.image is not None:
            from facefilter.filters.face_finder import find_face  # the detector and the model: heavy, only now

            try:
                self._source = self._prepare(find_face(self._image, self.spec.image.name))
            except ValueError as exc:
                self._error = f"filter '{self.filter_name}': {self.field}: {exc}"
        return self._source

    def _advance(self, keys: list[Hashable], t: float | None) -> None:
        """Forget faces gone (or everything, on a still image or when time runs backwards)."""
        if t is None or self._t is None or t < self._t:
            self.reset()
        self._t = t
        if t is None:
            return
        present = set(keys)
        for k in list(self._tracks):
            if k not in present or t - self._tracks[k].last_t > MAX_GAP:
                del self._tracks[k]
        for k in keys:
            tr = self._tracks.setdefault(k, _Track(t, t))
            tr.last_t = t

    def _tone(self, key: Hashable, source_key: Hashable) -> Any:
        """The ``tone`` hook of :func:`swap_face` for one target face: smoothed statistics on video."""
        tr = self._tracks.get(key)
        if tr is None:
            return None
        if tr.source != source_key:
            tr.source, tr.tone = source_key, None
        dt = 0.0 if self._prev_t is None or self._t is None else self._t - self._prev_t

        def smooth(now: ToneStats) -> ToneStats:
            tr.tone = now if tr.tone is None else tr.tone.follow(now, 1.0 - math.exp(-dt / TONE_TAU))
            return tr.tone

        return smooth

    def draw(
        self,
        frame: np.ndarray,
        out: np.ndarray,
        faces: Sequence[Any],
        weights: Sequence[float],
        t: float | None = None,
    ) -> None:
        """Swap onto every face in ``out``, reading sources from ``frame`` (the picture before any layer).

        ``faces`` have ``landmarks`` ``(68, 2)`` in frame pixels, optionally ``key`` (a track id;
        else their index) and a pose (``head_pose()`` or ``pose``, a
        :class:`~facefilter.types.HeadPose`; estimated from the landmarks when absent);
        ``weights`` (one per face, 0..1) scale the morph (opacity and conditions); ``t`` the
        frame time in seconds (None: a still image, nothing remembered).
        """
        morph = self.spec.morph if self.morph is None else float(np.clip(self.morph, 0.0, 1.0))
        spec = self.spec
        kw = {"colour": spec.colour, "lightness": spec.lightness, "keep_eyes": spec.keep_eyes,
              "keep_mouth": spec.keep_mouth}  # fmt: skip
        h, w = frame.shape[:2]
        keys: list[Hashable] = []
        for i, face in enumerate(faces):
            key = getattr(face, "key", None)
            keys.append(("index", i) if key is None or key in keys else key)
        self._prev_t = self._t
        self._advance(keys, t)
        yaws = [pose_yaw(face, (w, h)) for face in faces]
        if self.spec.image is not None:
            source = self._image_source()
            self.status = self._error
            if source is None:
                return
            for key, face, weight, yaw in zip(keys, faces, weights, yaws, strict=True):
                swap_face(out, face.landmarks, source, morph=morph * weight, target_yaw=yaw,
                          tone=self._tone(key, "image"), **kw)  # fmt: skip
            return
        if len(faces) < 2:
            self.status = NEEDS_TWO_FACES
            self._pairs = {}
            return
        self.status = ""
        xs = [float(np.mean(face.landmarks[:, 0])) for face in faces]
        self._pairs = pair_faces(keys, xs, self._pairs if t is not None else None)
        index = {k: i for i, k in enumerate(keys)}
        sources: dict[Hashable, SourceFace | None] = {}
        for key in set(self._pairs.values()):
            i = index[key]
            try:
                sources[key] = SourceFace.from_image(frame, faces[i].landmarks, yaw=yaws[i])
            except ValueError:  # a face too small to take from
                sources[key] = None
        for key, i in index.items():
            source = sources.get(self._pairs.get(key))
            if source is not None:
                swap_face(out, faces[i].landmarks, source, morph=morph * weights[i],
                          target_yaw=yaws[i], tone=self._tone(key, self._pairs[key]), **kw)  # fmt: skip
