"""Filter manifests: one ``manifest.json`` or ``manifest.toml`` per filter folder, parsed into typed dataclasses.

A manifest (JSON shown; TOML uses the same keys, with ``[[layers]]`` tables)::

    {
      "format": 1,
      "title": "Sunglasses",
      "thumbnail": "thumbnail.png",
      "layers": [
        {"name": "glasses", "placement": "similarity", "image": "glasses.png",
         "anchors": [36, 45], "image_points": [[131, 118], [469, 118]], "z": 10},
        {"name": "tongue", "placement": "affine", "image": "tongue.png",
         "anchors": [60, 64, 66], "image_points": [[20, 8], [140, 8], [80, 30]],
         "when": {"measure": "mouth_open", "above": 0.15}},
        {"placement": "mesh", "image": "paint.png", "opacity": 0.9},
        {"placement": "warp", "effect": "big_eyes", "strength": 0.35}
      ]
    }

Placements: ``similarity`` (2 anchors), ``affine`` (3), ``perspective`` (4): the sticker pixels
``image_points`` land on the ``anchors`` (a landmark index 0..67, or a list of indices meaning
their mean); ``scale`` and ``offset`` (in units of the distance between the first two image
points) adjust it. ``mesh``: a square texture drawn over the template of
:func:`facefilter.filters.geometry.mesh_template`, bent with the face. ``warp``: moves pixels
(``big_eyes``, ``slim_face``). ``swap``: another face on the face (see
:mod:`facefilter.filters.swap`): ``"source": "other_face"`` (the next face in the frame) or an
image file in the folder (with optional ``source_points``, a ``.json`` or ``.pts`` file of its
68 landmarks), ``morph``, ``colour`` and ``lightness`` 0..1, ``keep_eyes`` and ``keep_mouth``. ``head``:
``planes``, textured planes in the head's 3-D space turned with the head pose and hidden where the
head is in front (see :mod:`facefilter.filters.head`). ``particles``: sprites or a ribbon from an
``emitter`` (see :mod:`facefilter.filters.particles`). A sticker or mesh layer with an
``animation`` table plays its ``image`` as a frame sequence, optionally started by a trigger (see
:mod:`facefilter.filters.animation` and :mod:`facefilter.filters.triggers`). Every error names
the filter and the field.
"""

from __future__ import annotations

import difflib
import json
import math
import tomllib
from dataclasses import dataclass
from enum import Enum, StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from facefilter.filters import geometry
from facefilter.filters.animation import Playback, image_path, parse_playback
from facefilter.filters.conditions import POSE_MEASURES, Condition, Measure
from facefilter.filters.head import LAYER_KEYS as HEAD_KEYS
from facefilter.filters.head import HeadPlane, parse_head_layer
from facefilter.filters.particles import EmitterSpec, parse_emitter
from facefilter.filters.swap import SWAP_KEYS, SwapSpec, parse_swap

FORMAT_VERSION = 1
MANIFEST_NAMES = ("manifest.json", "manifest.toml")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
MAX_LAYERS = 32
MAX_TITLE = 40


class FilterError(ValueError):
    """A filter that cannot be loaded or imported; the message names the filter and the field."""

    def __init__(self, filter_name: str, field: str, message: str) -> None:
        self.filter_name = filter_name
        self.field = field
        self.message = message
        where = f"{field}: " if field else ""
        super().__init__(f"filter '{filter_name}': {where}{message}")


class Placement(StrEnum):
    """How a layer follows the face."""

    SIMILARITY = "similarity"
    AFFINE = "affine"
    PERSPECTIVE = "perspective"
    MESH = "mesh"
    WARP = "warp"
    PARTICLES = "particles"
    SWAP = "swap"
    HEAD = "head"


N_ANCHORS = {Placement.SIMILARITY: 2, Placement.AFFINE: 3, Placement.PERSPECTIVE: 4}


class WarpEffect(StrEnum):
    """Pixel warps. ``strength`` in (0, 1]; ``radius`` in face-size units."""

    BIG_EYES = "big_eyes"  # magnifies each eye; centre magnified 1 / (1 - 0.6 * strength)
    SLIM_FACE = "slim_face"  # pulls the jaw sideways towards the nose line (about 12% * strength per side)


WARP_DEFAULTS = {WarpEffect.BIG_EYES: (0.6, 0.36), WarpEffect.SLIM_FACE: (0.6, 0.3)}  # (strength, radius)


@dataclass(frozen=True)
class Layer:
    """One validated layer. Image paths are absolute; points are ``(x, y)`` in image pixels."""

    placement: Placement
    index: int = 0
    name: str = ""
    image: Path | None = None
    anchors: tuple[tuple[int, ...], ...] = ()
    image_points: tuple[tuple[float, float], ...] = ()
    scale: float = 1.0
    offset: tuple[float, float] = (0.0, 0.0)
    z: int = 0
    opacity: float = 1.0
    when: Condition | None = None
    effect: WarpEffect | None = None
    strength: float = 0.0
    radius: float = 0.0
    animation: Playback | None = None
    emitter: EmitterSpec | None = None
    swap: SwapSpec | None = None
    planes: tuple[HeadPlane, ...] = ()  # placement "head": textured planes in head space
    occlude: bool = True


@dataclass(frozen=True)
class FilterManifest:
    """A validated manifest. ``name`` is the folder name; ``layers`` are sorted by ``z`` (stable)."""

    name: str
    folder: Path
    title: str
    thumbnail: Path
    layers: tuple[Layer, ...]
    description: str = ""
    author: str = ""
    order: int = 1000


class _Fields:
    """Typed access to one table of a manifest, raising :class:`FilterError` that names the field."""

    def __init__(self, filter_name: str, prefix: str, table: Any) -> None:
        self.filter_name = filter_name
        self.prefix = prefix
        if not isinstance(table, dict):
            raise self.error("", f"expected a table/object, got {type(table).__name__}")
        self.table: dict[str, Any] = table

    def child(self, key: str, table: Any) -> _Fields:
        """The reader of the nested table ``table`` found under ``key``."""
        return _Fields(self.filter_name, self.path(key), table)

    def path(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix and key else (self.prefix or key)

    def error(self, key: str, message: str) -> FilterError:
        return FilterError(self.filter_name, self.path(key), message)

    def check_keys(self, allowed: tuple[str, ...], context: str = "") -> None:
        for key in self.table:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise self.error(str(key), f"unknown field{context}{hint}")

    def has(self, key: str) -> bool:
        return key in self.table

    def required(self, key: str) -> Any:
        if key not in self.table:
            raise self.error(key, "missing required field")
        return self.table[key]

    def string(self, key: str, default: str | None = None, max_len: int = 200) -> str:
        v = self.table.get(key, default) if default is not None else self.required(key)
        if not isinstance(v, str):
            raise self.error(key, f"expected a string, got {type(v).__name__}")
        if len(v) > max_len:
            raise self.error(key, f"longer than {max_len} characters")
        return v

    def integer(self, key: str, default: int, lo: int, hi: int) -> int:
        v = self.table.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.error(key, f"expected an integer, got {_show(v)}")
        if not lo <= v <= hi:
            raise self.error(key, f"must be in [{lo}, {hi}], got {v}")
        return v

    def number(self, key: str, default: float, lo: float, hi: float, *, open_lo: bool = False) -> float:
        v = self.table.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise self.error(key, f"expected a finite number, got {_show(v)}")
        if v > hi or v < lo or (open_lo and v <= lo):
            lo_b = "(" if open_lo else "["
            raise self.error(key, f"must be in {lo_b}{lo}, {hi}], got {v}")
        return float(v)

    def enum(self, key: str, kind: type[Enum]) -> Any:
        v = self.required(key)
        values = [e.value for e in kind]  # type: ignore[attr-defined]
        if v not in values:
            raise self.error(key, f"expected one of {', '.join(map(repr, values))}, got {_show(v)}")
        return kind(v)

    def pair(self, key: str, v: Any, limit: float) -> tuple[float, float]:
        if (
            not isinstance(v, list | tuple)
            or len(v) != 2
            or any(isinstance(c, bool) or not isinstance(c, int | float) or not math.isfinite(c) for c in v)
        ):
            raise self.error(key, f"expected [x, y] with two finite numbers, got {_show(v)}")
        if max(abs(v[0]), abs(v[1])) > limit:
            raise self.error(key, f"{_show(v)} is implausibly far (|x|, |y| <= {limit:g})")
        return float(v[0]), float(v[1])


def _show(v: Any) -> str:
    s = json.dumps(v) if isinstance(v, str | int | float | list | dict | bool) or v is None else repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


def _file_in_folder(
    fields: _Fields, key: str, folder: Path, suffixes: tuple[str, ...], default: str | None = None
) -> Path:
    rel = fields.string(key, default=default)
    p = PurePosixPath(rel.replace("\\", "/"))
    if not rel or p.is_absolute() or ".." in p.parts or ":" in rel:
        raise fields.error(key, f"must be a file name inside the filter folder, got {rel!r}")
    if p.suffix.lower() == ".svg":
        raise fields.error(key, f"{rel!r}: SVG is not supported; export it to PNG with alpha")
    if p.suffix.lower() not in suffixes:
        raise fields.error(key, f"{rel!r}: expected one of {', '.join(suffixes)}")
    full = folder.joinpath(*p.parts)
    if not full.is_file():
        raise fields.error(key, f"file {rel!r} not found in {folder}")
    return full


def _anchor(fields: _Fields, key: str, v: Any) -> tuple[int, ...]:
    idx = v if isinstance(v, list) else [v]
    if not idx or any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < 68 for i in idx):
        raise fields.error(key, f"expected a landmark index 0..67 or a list of them, got {_show(v)}")
    return tuple(idx)


def _parse_condition(fields: _Fields) -> Condition:
    fields.check_keys(("measure", "above", "below", "fade"))
    measure = fields.enum("measure", Measure)
    lim, fade0, fade_max = (180.0, 4.0, 90.0) if measure in POSE_MEASURES else (10.0, 0.04, 1.0)  # degrees
    above = fields.number("above", 0.0, -lim, lim) if fields.has("above") else None
    below = fields.number("below", 0.0, -lim, lim) if fields.has("below") else None
    if above is None and below is None:
        raise fields.error("above", "a condition needs 'above' and/or 'below'")
    fade = fields.number("fade", fade0, 0.0, fade_max)
    return Condition(measure, above, below, fade)


_COMMON = ("name", "placement", "z", "opacity", "when")
_KEYS = {
    Placement.SIMILARITY: _COMMON + ("image", "anchors", "image_points", "scale", "offset", "animation"),
    Placement.MESH: _COMMON + ("image", "animation"),
    Placement.PARTICLES: _COMMON + ("image", "emitter"),
    Placement.WARP: _COMMON + ("effect", "strength", "radius"),
    Placement.SWAP: _COMMON + SWAP_KEYS,
    Placement.HEAD: _COMMON + HEAD_KEYS,
}
_KEYS[Placement.AFFINE] = _KEYS[Placement.PERSPECTIVE] = _KEYS[Placement.SIMILARITY]


def _parse_layer(filter_name: str, index: int, table: Any, folder: Path) -> Layer:
    f = _Fields(filter_name, f"layers[{index}]", table)
    placement = f.enum("placement", Placement)
    f.check_keys(_KEYS[placement], f" for placement '{placement.value}'")
    name = f.string("name", default=f"layer {index}", max_len=60)
    z = f.integer("z", 0, -1000, 1000)
    opacity = f.number("opacity", 1.0, 0.0, 1.0)
    when = _parse_condition(_Fields(filter_name, f.path("when"), f.table["when"])) if f.has("when") else None
    common = {"placement": placement, "index": index, "name": name, "z": z, "opacity": opacity, "when": when}

    if placement is Placement.WARP:
        effect = f.enum("effect", WarpEffect)
        d_strength, d_radius = WARP_DEFAULTS[effect]
        strength = f.number("strength", d_strength, 0.0, 1.0, open_lo=True)
        radius = f.number("radius", d_radius, 0.05, 2.0)
        return Layer(**common, effect=effect, strength=strength, radius=radius)

    if placement is Placement.SWAP:
        return Layer(**common, swap=parse_swap(f, folder, _file_in_folder, IMAGE_SUFFIXES))
    if placement is Placement.HEAD:  # see facefilter.filters.head
        planes, occlude = parse_head_layer(f, lambda g, key: _file_in_folder(g, key, folder, IMAGE_SUFFIXES))
        return Layer(**common, planes=planes, occlude=occlude)

    if placement is Placement.PARTICLES:  # see facefilter.filters.particles
        return Layer(**common, image=image_path(f, "image", folder), emitter=parse_emitter(f, "emitter"))
    if f.has("animation"):  # a frame sequence, see facefilter.filters.animation
        common.update(image=image_path(f, "image", folder), animation=parse_playback(f, "animation"))
    else:
        common["image"] = _file_in_folder(f, "image", folder, IMAGE_SUFFIXES)
    if placement is Placement.MESH:
        return Layer(**common)

    n = N_ANCHORS[placement]
    anchors_raw = f.required("anchors")
    if not isinstance(anchors_raw, list) or len(anchors_raw) != n:
        raise f.error("anchors", f"expected a list of {n} anchors for '{placement.value}', got {_show(anchors_raw)}")
    anchors = tuple(_anchor(f, f"anchors[{i}]", a) for i, a in enumerate(anchors_raw))
    pts_raw = f.required("image_points")
    if not isinstance(pts_raw, list) or len(pts_raw) != n:
        raise f.error("image_points", f"expected {n} [x, y] points (one per anchor), got {_show(pts_raw)}")
    pts = tuple(f.pair(f"image_points[{i}]", p, 1e5) for i, p in enumerate(pts_raw))
    try:
        arr = np.array(pts)
        if placement is Placement.SIMILARITY:
            geometry.similarity_from_2(arr, arr)
        elif placement is Placement.AFFINE:
            geometry.affine_from_3(arr, arr)
        else:
            geometry.perspective_from_4(arr, arr)
    except geometry.GeometryError as exc:
        raise f.error("image_points", str(exc).split(": ", 1)[-1]) from None
    scale = f.number("scale", 1.0, 0.0, 20.0, open_lo=True)
    offset = f.pair("offset", f.table.get("offset", [0.0, 0.0]), 20.0)
    return Layer(**common, anchors=anchors, image_points=pts, scale=scale, offset=offset)


def find_manifest(folder: Path) -> Path:
    """The manifest file of a filter folder (raises :class:`FilterError` if none or two)."""
    found = [folder / n for n in MANIFEST_NAMES if (folder / n).is_file()]
    if not found:
        raise FilterError(folder.name, "", f"no {' or '.join(MANIFEST_NAMES)} in {folder}")
    if len(found) > 1:
        raise FilterError(folder.name, "", f"both {MANIFEST_NAMES[0]} and {MANIFEST_NAMES[1]} in {folder}; keep one")
    return found[0]


def read_manifest(folder: str | Path, name: str | None = None) -> FilterManifest:
    """Parse and validate the manifest in ``folder``; the filter's name is the folder's (or ``name``)."""
    folder = Path(folder)
    name = name or folder.name
    path = find_manifest(folder)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise FilterError(name, path.name, f"cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise FilterError(name, path.name, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except tomllib.TOMLDecodeError as exc:
        raise FilterError(name, path.name, f"invalid TOML: {exc}") from None
    return parse_manifest(data, folder, name)


def parse_manifest(data: Any, folder: Path, name: str) -> FilterManifest:
    """Validate already-decoded manifest ``data`` for the filter ``name`` whose files are in ``folder``."""
    f = _Fields(name, "", data)
    f.check_keys(("format", "title", "thumbnail", "description", "author", "order", "layers"))
    version = f.integer("format", FORMAT_VERSION, 1, 1_000_000)
    if version != FORMAT_VERSION:
        raise f.error("format", f"unsupported format version {version} (this facefilter reads {FORMAT_VERSION})")
    title = f.string("title", max_len=MAX_TITLE).strip()
    if not title:
        raise f.error("title", "must not be empty")
    thumbnail = _file_in_folder(f, "thumbnail", folder, (".png",), default="thumbnail.png")
    description = f.string("description", default="", max_len=500)
    author = f.string("author", default="", max_len=100)
    order = f.integer("order", 1000, -1_000_000, 1_000_000)
    layers_raw = f.required("layers")
    if not isinstance(layers_raw, list) or not layers_raw:
        raise f.error("layers", f"expected a non-empty list of layers, got {_show(layers_raw)}")
    if len(layers_raw) > MAX_LAYERS:
        raise f.error("layers", f"at most {MAX_LAYERS} layers, got {len(layers_raw)}")
    layers = [_parse_layer(name, i, t, folder) for i, t in enumerate(layers_raw)]
    layers.sort(key=lambda layer: layer.z)
    return FilterManifest(name, folder, title, thumbnail, tuple(layers), description, author, order)
