"""Animated layers: frame sequences (animated PNG, GIF, WebP, or a folder of numbered PNGs) played
with time, looping or once, started by a trigger.

A manifest layer with an ``animation`` table plays its ``image`` as a frame sequence::

    {"name": "tongue", "placement": "similarity", "image": "tongue.png", ...,
     "animation": {"fps": 24, "loop": "once", "trigger": "mouth_open", "play": "while"}}

* ``fps`` (default: the file's own frame duration, else 12) and ``loop``: ``"loop"``,
  ``"once"`` (stops on the last frame) or ``"pingpong"`` (forward, backward, forward...).
* Without ``trigger`` the animation runs from the moment the face appears.
* ``play: "on"`` (default) starts it from frame 0 at each onset of ``trigger``; a ``once``
  animation then disappears after its last frame unless ``hold`` is true. The layer is hidden
  until the first onset.
* ``play: "while"``: plays forward while the trigger holds (a ``once`` animation stays on its
  last frame), and backward to frame 0 when it releases, then hides; ``loop``/``pingpong``
  animations hide when it releases.
* ``fade``: seconds over which the layer fades in when it appears and out when it goes.
* ``still``: the frame shown on a still image (no time) when the trigger holds there (default:
  the last frame for ``once``, else 0).

Frames advance with time, never with the number of renders. A frame sequence is read once into
straight-alpha BGRA frames; every frame must have the size of the first.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from facefilter.filters import geometry, render
from facefilter.filters.triggers import TriggerSpec, parse_trigger

MAX_FRAMES = 240
MAX_FRAME_PIXELS = 64_000_000  # all frames together
ANIMATED_SUFFIXES = (".png", ".apng", ".gif", ".webp")
DEFAULT_FPS = 12.0


class Loop(StrEnum):
    LOOP = "loop"
    ONCE = "once"
    PINGPONG = "pingpong"


class Play(StrEnum):
    ON = "on"
    WHILE = "while"


@dataclass(frozen=True)
class Playback:
    """How a layer's frames play (see the module docstring). ``fps`` None: the file's own rate."""

    fps: float | None = None
    loop: Loop = Loop.LOOP
    trigger: TriggerSpec | None = None
    play: Play = Play.ON
    hold: bool = False
    fade: float = 0.0
    still: int | None = None


class AnimationError(ValueError):
    """A frame sequence that cannot be read; the message names the file."""


def _natural_key(name: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def read_frames(path: Path) -> tuple[list[np.ndarray], float | None]:
    """The frames of an animated image or a folder of numbered PNGs, and the file's frame rate.

    Returns straight-alpha BGRA ``uint8`` frames, all the size of the first, and the rate from
    the first frame's duration (None when the file has none: a folder, a still image). A still
    image is one frame. Raises :class:`AnimationError` naming the file.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted((p for p in path.iterdir() if p.suffix.lower() == ".png"), key=lambda p: _natural_key(p.name))
        if not files:
            raise AnimationError(f"folder {path.name!r} holds no .png frames")
        frames = []
        for p in files[: MAX_FRAMES + 1]:
            img = cv2.imdecode(np.fromfile(p, np.uint8), cv2.IMREAD_UNCHANGED)
            if img is None:
                raise AnimationError(f"cannot decode frame {path.name}/{p.name}")
            frames.append(render.to_bgra(img))
        return _checked(frames, path.name), None
    try:
        with Image.open(path) as im:
            n = int(getattr(im, "n_frames", 1))
            if n > MAX_FRAMES:
                raise AnimationError(f"{path.name!r} has {n} frames; at most {MAX_FRAMES}")
            frames, duration = [], None
            for i in range(n):
                im.seek(i)
                rgba = np.asarray(im.convert("RGBA"))
                frames.append(cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
                if i == 0:
                    duration = im.info.get("duration")  # WebP knows it once the frame is read
    except (OSError, UnidentifiedImageError, EOFError) as exc:
        raise AnimationError(f"cannot decode {path.name!r} ({exc})") from None
    fps = 1000.0 / float(duration) if isinstance(duration, int | float) and duration > 0 and n > 1 else None
    return _checked(frames, path.name), fps


def _checked(frames: list[np.ndarray], name: str) -> list[np.ndarray]:
    if len(frames) > MAX_FRAMES:
        raise AnimationError(f"{name!r} has more than {MAX_FRAMES} frames")
    h, w = frames[0].shape[:2]
    for i, f in enumerate(frames):
        if f.shape[:2] != (h, w):
            raise AnimationError(f"{name!r}: frame {i} is {f.shape[1]}x{f.shape[0]}, frame 0 is {w}x{h}")
    if len(frames) * h * w > MAX_FRAME_PIXELS:
        raise AnimationError(f"{name!r}: {len(frames)} frames of {w}x{h} are too many pixels")
    return frames


def frame_index(pos: float, n: int, loop: Loop) -> int:
    """The frame shown ``pos`` frames into the animation (``pos >= 0``) of ``n`` frames."""
    k = int(math.floor(pos + 1e-9))
    if n <= 1 or k <= 0:
        return 0
    if loop is Loop.ONCE:
        return min(k, n - 1)
    if loop is Loop.LOOP:
        return k % n
    period = 2 * (n - 1)
    k %= period
    return k if k < n else period - k


@dataclass
class _Playhead:
    """One face's place in a ``while`` animation: frames played, opacity (fade), shown, last time."""

    pos: float = 0.0
    level: float = 0.0
    shown: bool = False
    t: float | None = None


class Player:
    """Which frame of a layer to show on a face, and with what opacity, at that face's time."""

    def __init__(self, playback: Playback, n_frames: int, file_fps: float | None, slot: int) -> None:
        self.p = playback
        self.n = n_frames
        self.fps = playback.fps or file_fps or DEFAULT_FPS
        self.slot = slot
        default_still = n_frames - 1 if playback.loop is Loop.ONCE else 0
        self.still_frame = min(playback.still if playback.still is not None else default_still, n_frames - 1)
        self.duration = n_frames / self.fps

    def _fade(self, dt: float) -> float:
        return 1.0 if self.p.fade <= 0 else float(np.clip(dt / self.p.fade, 0.0, 1.0))

    def frame(self, live: Any) -> tuple[int | None, float]:
        """``(frame index, opacity factor)`` for a face's :class:`~facefilter.filters.state.FaceLive`
        (None: no state; the animation runs on the render's own clock from 0); index None: hidden."""
        p = self.p
        if live is None:
            return self.still_frame, 1.0
        st = live.trigger(p.trigger) if p.trigger is not None else None
        if live.still:
            return (self.still_frame, 1.0) if st is None or st.active else (None, 0.0)
        t = live.t
        if st is None:
            return frame_index(live.age * self.fps, self.n, p.loop), self._fade(live.age)
        if p.play is Play.ON:
            if st.since is None:
                return None, 0.0
            dt = t - st.since
            if p.loop is Loop.ONCE and not p.hold and dt * self.fps >= self.n - 1e-9:
                return None, 0.0
            return frame_index(dt * self.fps, self.n, p.loop), self._fade(dt)
        # play while: a playhead per face, forward while the trigger holds, back when it releases
        head = live.slots.get(self.slot)
        if head is None:
            head = live.slots[self.slot] = _Playhead()
        dt = 0.0 if head.t is None else max(0.0, t - head.t)
        head.t = t
        step = dt * self.fps
        rate = dt / p.fade if p.fade > 0 else math.inf
        if st.active:
            if not head.shown:
                head.pos, head.shown = 0.0, True
            else:
                head.pos += step
                if p.loop is Loop.ONCE:
                    head.pos = min(head.pos, self.n - 1.0)
            head.level = min(1.0, head.level + rate)
            return frame_index(head.pos, self.n, p.loop), head.level
        if not head.shown:
            return None, 0.0
        if p.loop is Loop.ONCE:
            head.pos = min(head.pos, self.n - 1.0) - step
        else:
            head.level -= rate
        if head.pos < -1e-9 or head.level <= 0.0:
            head.pos, head.level, head.shown = 0.0, 0.0, False
            return None, 0.0
        return frame_index(head.pos, self.n, p.loop), head.level


class AnimatedLayer:
    """A sticker or mesh layer (any object with ``layer`` and ``draw(frame, face, opacity, sprite)``)
    whose picture is a frame sequence; draws the frame its :class:`Player` picks for each face."""

    def __init__(self, inner: Any, sprites: list[render.Sprite], player: Player) -> None:
        self.inner = inner
        self.layer = inner.layer
        self.sprites = sprites
        self.player = player
        tris = getattr(inner, "triangles", None)
        if tris is not None and len(sprites) > 1:  # a mesh: cover every frame's visible triangles
            pts, allt = inner.texture_points, geometry.mesh_triangles()
            used = [render.active_triangles(s, pts, allt) for s in sprites]
            inner.triangles = np.unique(np.concatenate(used), axis=0)

    def draw(self, frame: np.ndarray, face: Any, opacity: float) -> None:
        k, op = self.player.frame(getattr(face, "live", None))
        if k is not None and op * opacity > 0:
            self.inner.draw(frame, face, opacity * op, self.sprites[k])


def parse_playback(fields: Any, key: str) -> Playback:
    """Read the ``animation`` table ``key`` of a layer (``fields``: the manifest's field reader)."""
    sub = type(fields)(fields.filter_name, fields.path(key), fields.table[key])
    sub.check_keys(("fps", "loop", "trigger", "play", "hold", "fade", "still"))
    fps = sub.number("fps", 1.0, 0.1, 120.0) if sub.has("fps") else None
    loop = sub.enum("loop", Loop) if sub.has("loop") else Loop.LOOP
    trigger = parse_trigger(sub, "trigger") if sub.has("trigger") else None
    play = sub.enum("play", Play) if sub.has("play") else Play.ON
    if play is Play.WHILE and trigger is None:
        raise sub.error("play", "'while' needs a 'trigger'")
    hold = sub.table.get("hold", False)
    if not isinstance(hold, bool):
        raise sub.error("hold", f"expected true or false, got {hold!r}")
    fade = sub.number("fade", 0.0, 0.0, 10.0)
    still = sub.integer("still", 0, 0, MAX_FRAMES - 1) if sub.has("still") else None
    return Playback(fps, loop, trigger, play, hold, fade, still)


def image_path(fields: Any, key: str, folder: Path) -> Path:
    """An animated layer's ``image``: a file (.png, .apng, .gif, .webp) or a folder of numbered
    PNGs, inside the filter folder."""
    rel = fields.string(key)
    p = PurePosixPath(rel.replace("\\", "/"))
    if not rel or p.is_absolute() or ".." in p.parts or ":" in rel:
        raise fields.error(key, f"must be a file or folder name inside the filter folder, got {rel!r}")
    full = folder.joinpath(*p.parts)
    if full.is_dir():
        return full
    if p.suffix.lower() not in ANIMATED_SUFFIXES:
        raise fields.error(key, f"{rel!r}: expected one of {', '.join(ANIMATED_SUFFIXES)} or a folder of PNGs")
    if not full.is_file():
        raise fields.error(key, f"file {rel!r} not found in {folder}")
    return full
