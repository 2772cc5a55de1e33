"""Particle emitters: sprites spawned from a face while a trigger holds (or once when it fires),
moving under gravity and drag, spinning, growing and fading, drawn in one pass.

A manifest layer ``{"placement": "particles", "image": "heart.png", "emitter": {...}}``; the
emitter's fields (lengths in *face units*: the template's inter-ocular distance, see
:func:`facefilter.filters.geometry.face_scale`, so a far face gets small, slow particles):

* ``anchor``: a landmark index or a list of them (their mean); ``offset`` ``[x, y]`` and
  ``area`` ``[half-width, half-height]`` (an ellipse the particles spawn in) in face units, in
  the face's own frame (x towards the image right of an upright face, y towards the chin).
* ``trigger`` (an event name or table, see :mod:`facefilter.filters.triggers`; none: always) and
  ``emit``: ``"while"`` (``rate`` particles a second while the trigger holds) or ``"once"``
  (``burst`` particles when it fires).
* ``velocity`` ``[x, y]`` face units/s in the face's frame, ``spread`` (degrees, the full cone
  around it), ``speed_jitter`` (fraction), ``wave`` ``[degrees, hz]``: the direction swings
  sinusoidally with the birth time (a wavy stream); ``gravity`` ``[x, y]`` face units/s^2 on screen (y
  down; negative floats up); ``drag`` (1/s: velocity decays as exp(-drag t)).
* ``lifetime`` (s) and ``lifetime_jitter`` (fraction); ``fade_in`` / ``fade_out`` (s).
* ``size`` (face units: the sprite's width) with ``size_jitter`` (fraction) and ``grow`` (size
  factor at the end of life); ``angle`` and ``angle_jitter`` (degrees, clockwise on screen),
  ``spin`` and ``spin_jitter`` (degrees/s); ``align``: the sprite's downward axis follows the
  direction of motion.
* ``max_particles``: the cap (the oldest go first); ``seed``: with the face id and the layer,
  seeds the random numbers, so a replay of the same frames and times is identical.
* ``style``: ``"sprites"`` or ``"ribbon"``: a continuous band through the particles in birth
  order, as wide as their size, coloured across by the image (its rows averaged: a cross-section)
  and faded by each particle's fade; a stream pouring from the anchor.
* A multi-frame image (animated PNG/GIF/WebP, folder of PNGs): ``frames: "random"`` gives each
  particle one frame; ``"play"`` plays them over its life at ``fps``.

Motion is integrated in closed form from each particle's birth (position under constant gravity
and linear drag), so it does not depend on the frame rate. Particles spawned between two frames
are born at their own times, along the anchor's path, which keeps streams continuous.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Hashable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import cv2
import numpy as np

from facefilter.filters import render
from facefilter.filters.triggers import TriggerSpec, parse_trigger

MAX_PARTICLES = 1000
SIZE_STEPS = 8  # sprite sizes are cached in steps of 2^(1/8) (9%)
ANGLE_STEPS = 72  # and angles in steps of 5 degrees
ATLAS_ENTRIES = 4096
RIBBON_LEVELS = 16  # rows of a ribbon texture: its cross-section at opacity 0, 1/15, ..., 1


class Emit(StrEnum):
    WHILE = "while"
    ONCE = "once"


class Style(StrEnum):
    SPRITES = "sprites"
    RIBBON = "ribbon"


class FramePick(StrEnum):
    RANDOM = "random"
    PLAY = "play"


@dataclass(frozen=True)
class EmitterSpec:
    """A validated emitter (fields as in the module docstring; units: face units, seconds, degrees)."""

    anchor: tuple[int, ...]
    trigger: TriggerSpec | None = None
    emit: Emit = Emit.WHILE
    rate: float = 20.0
    burst: int = 12
    lifetime: float = 1.5
    lifetime_jitter: float = 0.0
    offset: tuple[float, float] = (0.0, 0.0)
    area: tuple[float, float] = (0.0, 0.0)
    velocity: tuple[float, float] = (0.0, 0.0)
    spread: float = 0.0
    speed_jitter: float = 0.0
    wave: tuple[float, float] = (0.0, 0.0)
    gravity: tuple[float, float] = (0.0, 0.0)
    drag: float = 0.0
    size: float = 0.2
    size_jitter: float = 0.0
    grow: float = 1.0
    angle: float = 0.0
    angle_jitter: float = 0.0
    spin: float = 0.0
    spin_jitter: float = 0.0
    align: bool = False
    fade_in: float = 0.0
    fade_out: float = 0.3
    max_particles: int = 100
    style: Style = Style.SPRITES
    frames: FramePick = FramePick.RANDOM
    fps: float = 12.0
    seed: int = 0


def _rot(deg: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    a = np.radians(deg)
    return np.cos(a), np.sin(a)


@dataclass
class ParticleSystem:
    """The live particles of one emitter on one face (struct of arrays, frame pixels and seconds).

    ``birth`` (s), ``life`` (s), ``p0`` / ``v0`` (px, px/s at birth), ``g`` (px/s^2), ``size0``
    (px), ``angle0`` (deg), ``spin`` (deg/s), ``frame`` (sprite frame), ``stream`` (which
    uninterrupted emission a particle belongs to: ribbons break between streams).
    """

    spec: EmitterSpec
    rng: np.random.Generator
    birth: np.ndarray = field(default_factory=lambda: np.zeros(0))
    life: np.ndarray = field(default_factory=lambda: np.zeros(0))
    p0: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    v0: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    g: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    size0: np.ndarray = field(default_factory=lambda: np.zeros(0))
    angle0: np.ndarray = field(default_factory=lambda: np.zeros(0))
    spin: np.ndarray = field(default_factory=lambda: np.zeros(0))
    frame: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    stream: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    t: float | None = None
    emitting: bool = False
    stream_id: int = 0
    _start: float = 0.0
    _emitted: int = 0
    _anchor: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.birth)

    def step(self, t: float, anchor: np.ndarray, axes: np.ndarray, emitting: bool, burst: bool, n_frames: int) -> None:
        """Advance to time ``t``: spawn (along the anchor's path since the last step), age, cap.

        ``anchor``: ``(2,)`` emitter position in frame pixels now; ``axes``: ``(2, 2)`` face frame
        -> frame pixels (face units to pixels, rotated with the face); ``emitting``: the ``while``
        condition holds; ``burst``: spawn ``spec.burst`` particles now.
        """
        s = self.spec
        anchor = np.asarray(anchor, np.float64)
        prev_t = self.t if self.t is not None else t
        prev_anchor = self._anchor if self._anchor is not None else anchor
        if emitting and s.rate > 0:
            if not self.emitting:
                self.emitting, self._start, self._emitted = True, t, 0
                self.stream_id += 1
            due = int(math.floor((t - self._start) * s.rate + 1e-9)) + 1
            if due > self._emitted:
                k = np.arange(self._emitted, due)
                births = self._start + k / s.rate
                self._emitted = due
                span = t - prev_t
                frac = np.clip((births - prev_t) / span, 0.0, 1.0) if span > 0 else np.ones(len(births))
                where = prev_anchor + frac[:, None] * (anchor - prev_anchor)
                self._spawn(births, where, axes, n_frames)
        else:
            self.emitting = False
        if burst and s.burst > 0:
            self.stream_id += 1
            self._spawn(np.full(s.burst, t), np.repeat(anchor[None], s.burst, 0), axes, n_frames)
        self.t, self._anchor = t, anchor
        keep = (t - self.birth) < self.life
        if len(keep) - int(keep.sum()) or len(self) > s.max_particles:
            idx = np.flatnonzero(keep)[-s.max_particles :]
            self._take(idx)

    def _spawn(self, births: np.ndarray, where: np.ndarray, axes: np.ndarray, n_frames: int) -> None:
        s, rng, n = self.spec, self.rng, len(births)
        scale = float(np.sqrt(abs(np.linalg.det(axes))))
        u = rng.random((n, 10))  # one draw per particle for every random quantity: reproducible
        r, th = np.sqrt(u[:, 0]), 2 * np.pi * u[:, 1]
        local = np.stack([r * np.cos(th) * s.area[0], r * np.sin(th) * s.area[1]], 1) + s.offset
        p0 = where + local @ axes.T
        c, sn = _rot((u[:, 2] - 0.5) * s.spread + s.wave[0] * np.sin(2 * np.pi * s.wave[1] * births))
        vx, vy = s.velocity
        v = np.stack([c * vx - sn * vy, sn * vx + c * vy], 1) * (1 + s.speed_jitter * (2 * u[:, 3] - 1))[:, None]
        self.birth = np.concatenate([self.birth, births])
        self.life = np.concatenate([self.life, s.lifetime * (1 + s.lifetime_jitter * (2 * u[:, 4] - 1))])
        self.p0 = np.concatenate([self.p0, p0])
        self.v0 = np.concatenate([self.v0, v @ axes.T])
        self.g = np.concatenate([self.g, np.repeat(np.asarray(s.gravity, np.float64)[None] * scale, n, 0)])
        self.size0 = np.concatenate([self.size0, s.size * scale * (1 + s.size_jitter * (2 * u[:, 5] - 1))])
        self.angle0 = np.concatenate([self.angle0, s.angle + s.angle_jitter * (2 * u[:, 6] - 1)])
        self.spin = np.concatenate([self.spin, s.spin + s.spin_jitter * (2 * u[:, 7] - 1)])
        pick = np.minimum((u[:, 8] * n_frames).astype(np.int32), n_frames - 1)
        self.frame = np.concatenate([self.frame, pick if s.frames is FramePick.RANDOM else np.zeros(n, np.int32)])
        self.stream = np.concatenate([self.stream, np.full(n, self.stream_id, np.int32)])

    def _take(self, idx: np.ndarray) -> None:
        for name in ("birth", "life", "p0", "v0", "g", "size0", "angle0", "spin", "frame", "stream"):
            setattr(self, name, getattr(self, name)[idx])

    def kinematics(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(age (N,), position (N, 2) px, velocity (N, 2) px/s)`` at time ``t``.

        Exact for constant gravity ``g`` and linear drag ``k``: ``v' = g - k v``.
        """
        tau = np.maximum(t - self.birth, 0.0)[:, None]
        k = self.spec.drag
        if k > 1e-9:
            e = np.exp(-k * tau)
            one = (1 - e) / k
            pos = self.p0 + self.v0 * one + self.g * (tau - one) / k
            vel = self.v0 * e + self.g * one
        else:
            pos = self.p0 + self.v0 * tau + 0.5 * self.g * tau**2
            vel = self.v0 + self.g * tau
        return tau[:, 0], pos, vel

    def looks(
        self, tau: np.ndarray, vel: np.ndarray, n_frames: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(size px, angle deg, alpha in [0, 1], frame index)`` of every particle at age ``tau``."""
        s = self.spec
        life = self.life
        size = self.size0 * (1 + (s.grow - 1) * np.clip(tau / life, 0, 1))
        angle = self.angle0 + self.spin * tau
        if s.align:
            angle = angle + np.degrees(np.arctan2(-vel[:, 0], vel[:, 1]))  # the sprite's +y along the motion
        alpha = np.ones_like(tau)
        if s.fade_in > 0:
            alpha = np.minimum(alpha, tau / s.fade_in)
        if s.fade_out > 0:
            alpha = np.minimum(alpha, (life - tau) / s.fade_out)
        alpha = np.clip(alpha, 0.0, 1.0)
        frame = self.frame
        if s.frames is FramePick.PLAY and n_frames > 1:
            frame = np.minimum((tau * s.fps).astype(np.int32), n_frames - 1)
        return size, angle, alpha, frame


class SpriteAtlas:
    """A particle's frames scaled and rotated, cached by (frame, size step, angle step); each drawn
    from the mip level that fits its size. Entries are ``uint8`` premultiplied BGRA ready for
    compositing: the picture, its alpha repeated in 4 channels, and 255 minus that."""

    def __init__(self, sprites: list[render.Sprite]) -> None:
        self.sprites = sprites
        self._cache: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray, np.ndarray, float, float]] = {}

    def get(self, frame: int, qs: int, qa: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
        """``(picture, alpha, 255 - alpha, cx, cy)``, each ``(h, w, 4)`` uint8: frame ``frame`` at
        width ``2^(qs / SIZE_STEPS)`` px turned ``qa * 360 / ANGLE_STEPS`` degrees clockwise, its
        centre at pixel ``(cx, cy)``."""
        key = (frame, qs, qa)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        sp = self.sprites[frame]
        k = 2.0 ** (qs / SIZE_STEPS) / sp.width
        c, s = _rot(qa * 360.0 / ANGLE_STEPS)
        lin = k * np.array([[c, -s], [s, c]])
        corners = render.sprite_corners(sp.width, sp.height) - ((sp.width - 1) / 2, (sp.height - 1) / 2)
        ext = np.abs(corners @ lin.T).max(0)
        w, h = int(math.ceil(2 * ext[0])) + 2, int(math.ceil(2 * ext[1])) + 2
        centre = np.array([(w - 1) / 2, (h - 1) / 2])
        m = np.hstack([lin, (centre - lin @ ((sp.width - 1) / 2, (sp.height - 1) / 2))[:, None]])
        lv = sp.level_for(lin)
        img = cv2.warpAffine(sp.levels[lv], m @ render.level_to_base(lv), (w, h), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT)  # fmt: skip
        a = img[..., 3]
        rows, cols = np.flatnonzero(a.any(1)), np.flatnonzero(a.any(0))
        if len(rows) == 0:
            rows = cols = np.zeros(1, int)
        y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1  # crop to what is visible
        img = np.ascontiguousarray(img[y0:y1, x0:x1])
        a = np.ascontiguousarray(img[..., 3])
        alpha = cv2.merge([a, a, a, a])
        entry = (img, alpha, cv2.bitwise_not(alpha), float(centre[0] - x0), float(centre[1] - y0))
        if len(self._cache) >= ATLAS_ENTRIES:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = entry
        return entry


def draw_sprites(
    frame: np.ndarray,
    atlas: SpriteAtlas,
    pos: np.ndarray,
    size: np.ndarray,
    angle: np.ndarray,
    alpha: np.ndarray,
    frames: np.ndarray,
    opacity: float = 1.0,
) -> render.Roi | None:
    """Composite particles onto ``frame`` (HxWx3 uint8 BGR, in place) in one pass, in the order given
    (later ones on top).

    They are laid over each other ("over" on premultiplied BGRA, ``dst = src + dst (1 - alpha)``,
    8-bit with OpenCV's rounding) in a buffer covering them all, which is then blended onto the
    frame once (:func:`render.blend_premultiplied`), so ``opacity`` fades the group as a whole.
    ``pos`` ``(N, 2)``: sprite centres in frame pixels, rounded to whole pixels; ``size`` px
    (the sprite's width), ``angle`` degrees clockwise, ``alpha`` in [0, 1], ``frames`` indices.
    Sizes and angles are rounded to the atlas's steps. Returns the region touched.
    """
    fh, fw = frame.shape[:2]
    vis = np.flatnonzero(np.asarray(alpha) * opacity >= 1.0 / 255)
    if len(vis) == 0:
        return None
    qs = np.round(np.log2(np.maximum(size[vis], 1.0)) * SIZE_STEPS).astype(int).tolist()
    qa = (np.round(angle[vis] / 360.0 * ANGLE_STEPS).astype(int) % ANGLE_STEPS).tolist()
    fr = np.asarray(frames)[vis].astype(int).tolist()
    px, py = pos[vis, 0].tolist(), pos[vis, 1].tolist()
    al = alpha[vis].tolist()
    items = []
    x_lo = y_lo = 1 << 30
    x_hi = y_hi = -(1 << 30)
    for j in range(len(vis)):
        entry = atlas.get(fr[j], qs[j], qa[j])
        img = entry[0]
        x0, y0 = int(round(px[j] - entry[3])), int(round(py[j] - entry[4]))
        x1, y1 = x0 + img.shape[1], y0 + img.shape[0]
        if x1 <= 0 or y1 <= 0 or x0 >= fw or y0 >= fh:
            continue
        items.append((entry, x0, y0, x1, y1, al[j]))
        x_lo, y_lo, x_hi, y_hi = min(x_lo, x0), min(y_lo, y0), max(x_hi, x1), max(y_hi, y1)
    if not items:
        return None
    rx0, ry0, rx1, ry1 = max(x_lo, 0), max(y_lo, 0), min(x_hi, fw), min(y_hi, fh)
    buf = np.zeros((ry1 - ry0, rx1 - rx0, 4), np.uint8)
    for (img, a4, inv, _, _), x0, y0, x1, y1, a in items:
        if x0 < rx0 or y0 < ry0 or x1 > rx1 or y1 > ry1:  # partly outside the frame
            h, w = img.shape[:2]
            cut = np.s_[max(ry0 - y0, 0) : h - max(y1 - ry1, 0), max(rx0 - x0, 0) : w - max(x1 - rx1, 0)]
            img, a4, inv = img[cut], a4[cut], inv[cut]
            x0, y0 = max(x0, rx0), max(y0, ry0)
        reg = buf[y0 - ry0 : y0 - ry0 + img.shape[0], x0 - rx0 : x0 - rx0 + img.shape[1]]
        if a < 1.0:  # a fading particle, picture and coverage scaled by a: dst - a (alpha dst - src)
            cv2.scaleAdd(img, a, cv2.subtract(reg, cv2.multiply(reg, a4, scale=a / 255)), dst=reg)
        else:
            cv2.add(cv2.multiply(reg, inv, scale=1.0 / 255), img, dst=reg)
    render.blend_premultiplied(frame[ry0:ry1, rx0:rx1], buf, opacity)
    return rx0, ry0, rx1 - rx0, ry1 - ry0


def ribbon_texture(frame_bgra: np.ndarray) -> render.Sprite:
    """The texture a ribbon samples: the image's cross-section (its rows averaged, premultiplied)
    repeated in :data:`RIBBON_LEVELS` rows of opacity 0 .. 1 (texture y = opacity x 15)."""
    pm = render.premultiply(frame_bgra).astype(np.float64)
    profile = pm.mean(0)  # (W, 4)
    levels = np.linspace(0.0, 1.0, RIBBON_LEVELS)[:, None, None]
    tex = np.clip(profile[None] * levels + 0.5, 0, 255).astype(np.uint8)
    return render.Sprite.from_bgra(tex, premultiplied=True)


def draw_ribbon(
    frame: np.ndarray,
    texture: render.Sprite,
    streams: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    opacity: float = 1.0,
) -> render.Roi | None:
    """Draw bands through point sequences onto ``frame`` (in place), as one piecewise-affine mesh.

    ``streams``: per band ``(points (N, 2) px, widths (N,) px, alphas (N,))`` from one end to the
    other. The band's edges are offset from the points along the normal of the path; the
    texture's x runs across the band and its y (opacity level, see :func:`ribbon_texture`)
    follows each point's alpha.
    """
    pts, tex, tris = [], [], []
    n0 = 0
    tw = texture.width
    for p, w, a in streams:
        n = len(p)
        if n < 2:
            continue
        d = np.gradient(p, axis=0)
        ln = np.linalg.norm(d, axis=1, keepdims=True)
        d = np.where(ln > 1e-6, d / np.maximum(ln, 1e-6), (0.0, 1.0))
        normal = np.stack([-d[:, 1], d[:, 0]], 1) * (w / 2)[:, None]
        pts += [p + normal, p - normal]
        v = np.clip(a, 0, 1) * (RIBBON_LEVELS - 1)
        tex += [np.stack([np.full(n, -0.5), v], 1), np.stack([np.full(n, tw - 0.5), v], 1)]
        i = np.arange(n - 1) + n0
        left, right = i, i + n
        tris += [np.stack([left, right, left + 1], 1), np.stack([right, right + 1, left + 1], 1)]
        n0 += 2 * n
    if not tris:
        return None
    fp = np.concatenate(pts)
    widths = np.concatenate([w for _, w, _ in streams if len(w) >= 2])
    scale = float(np.median(widths)) / tw
    return render.draw_mesh(frame, texture, np.concatenate(tex), fp, np.concatenate(tris), opacity, scale)


def _key_int(key: Hashable) -> int:
    if isinstance(key, int | np.integer) and key >= 0:
        return int(key)
    return zlib.crc32(repr(key).encode())


class ParticleLayer:
    """A ``particles`` layer of a filter: one :class:`ParticleSystem` per face, kept in the face's
    :class:`~facefilter.filters.state.FaceLive` slot for this layer."""

    def __init__(self, layer: Any, frames: list[np.ndarray]) -> None:
        self.layer = layer
        self.spec: EmitterSpec = layer.emitter
        self.n_frames = len(frames)
        self.anchor = list(self.spec.anchor)
        if self.spec.style is Style.RIBBON:
            self.texture = ribbon_texture(frames[0])
        else:
            self.atlas = SpriteAtlas([render.Sprite.from_bgra(f) for f in frames])

    def system(self, key: Hashable) -> ParticleSystem:
        seq = np.random.SeedSequence([self.spec.seed, self.layer.index, _key_int(key)])
        return ParticleSystem(self.spec, np.random.default_rng(seq))

    def _still(self, anchor: np.ndarray, axes: np.ndarray, key: Hashable) -> tuple[ParticleSystem, float]:
        """A deterministic snapshot for a still image: the emitter as if it had been running (or
        had burst 0.3 lifetimes ago) at this pose."""
        s = self.spec
        sysm = self.system(key)
        span = s.lifetime * (1 + s.lifetime_jitter)
        if s.emit is Emit.WHILE:
            sysm.step(-span, anchor, axes, True, False, self.n_frames)
        else:
            sysm.step(-0.3 * s.lifetime, anchor, axes, False, True, self.n_frames)
        sysm.step(0.0, anchor, axes, s.emit is Emit.WHILE, False, self.n_frames)
        return sysm, 0.0

    def draw(self, frame: np.ndarray, face: Any, opacity: float) -> None:
        live = getattr(face, "live", None)
        s = self.spec
        axes = face.similarity[:, :2]
        anchor = face.landmarks[self.anchor].mean(0)
        st = live.trigger(s.trigger) if live is not None and s.trigger is not None else None
        key = live.key if live is not None else 0
        if live is None or live.still:
            if st is not None and not st.active:
                return
            sysm, t = self._still(anchor, axes, key)
        else:
            sysm = live.slots.get(self.layer.index)
            if sysm is None:
                sysm = live.slots[self.layer.index] = self.system(key)
            t = live.t
            if s.emit is Emit.WHILE:
                sysm.step(t, anchor, axes, st is None or st.active, False, self.n_frames)
            else:
                fired = st.fired if st is not None else live.age == 0.0 and sysm.t is None
                sysm.step(t, anchor, axes, False, fired, self.n_frames)
        if len(sysm) == 0:
            return
        tau, pos, vel = sysm.kinematics(t)
        size, angle, alpha, frames = sysm.looks(tau, vel, self.n_frames)
        if s.style is Style.RIBBON:
            self._draw_ribbon(frame, sysm, t, anchor, pos, size, alpha, opacity)
        else:
            draw_sprites(frame, self.atlas, pos, size, angle, alpha, frames, opacity)

    def _draw_ribbon(self, frame: np.ndarray, sysm: ParticleSystem, t: float, anchor: np.ndarray, pos: np.ndarray,
                     size: np.ndarray, alpha: np.ndarray, opacity: float) -> None:  # fmt: skip
        streams = []
        for sid in np.unique(sysm.stream):
            idx = np.flatnonzero(sysm.stream == sid)[::-1]  # youngest (at the anchor) first
            p, w, a = pos[idx], size[idx], alpha[idx]
            if sysm.emitting and sid == sysm.stream_id and sysm.birth[idx[0]] < t:
                # the band leaves the anchor now, not where the last particle was born
                p, w, a = np.vstack([anchor, p]), np.r_[w[0], w], np.r_[a[0], a]
            streams.append((p, w, a))
        draw_ribbon(frame, self.texture, streams, opacity)


def _pair(sub: Any, key: str, default: tuple[float, float], limit: float) -> tuple[float, float]:
    return sub.pair(key, sub.table[key], limit) if sub.has(key) else default


def parse_emitter(fields: Any, key: str) -> EmitterSpec:
    """Read a particle layer's ``emitter`` table (``fields``: the manifest's field reader)."""
    sub = type(fields)(fields.filter_name, fields.path(key), fields.required(key))
    names = tuple(f for f in EmitterSpec.__dataclass_fields__)
    sub.check_keys(names)
    raw = sub.required("anchor")
    idx = raw if isinstance(raw, list) else [raw]
    if not idx or any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < 68 for i in idx):
        raise sub.error("anchor", f"expected a landmark index 0..67 or a list of them, got {raw!r}")
    d = EmitterSpec(anchor=tuple(idx))
    align = sub.table.get("align", False)
    if not isinstance(align, bool):
        raise sub.error("align", f"expected true or false, got {align!r}")
    return EmitterSpec(
        anchor=tuple(idx),
        trigger=parse_trigger(sub, "trigger") if sub.has("trigger") else None,
        emit=sub.enum("emit", Emit) if sub.has("emit") else d.emit,
        rate=sub.number("rate", d.rate, 0.0, 1000.0),
        burst=sub.integer("burst", d.burst, 0, MAX_PARTICLES),
        lifetime=sub.number("lifetime", d.lifetime, 0.0, 30.0, open_lo=True),
        lifetime_jitter=sub.number("lifetime_jitter", 0.0, 0.0, 0.9),
        offset=_pair(sub, "offset", d.offset, 10.0),
        area=_pair(sub, "area", d.area, 10.0),
        velocity=_pair(sub, "velocity", d.velocity, 100.0),
        spread=sub.number("spread", 0.0, 0.0, 360.0),
        speed_jitter=sub.number("speed_jitter", 0.0, 0.0, 1.0),
        wave=_pair(sub, "wave", d.wave, 360.0),
        gravity=_pair(sub, "gravity", d.gravity, 1000.0),
        drag=sub.number("drag", 0.0, 0.0, 100.0),
        size=sub.number("size", d.size, 0.0, 10.0, open_lo=True),
        size_jitter=sub.number("size_jitter", 0.0, 0.0, 0.9),
        grow=sub.number("grow", 1.0, 0.0, 20.0),
        angle=sub.number("angle", 0.0, -360.0, 360.0),
        angle_jitter=sub.number("angle_jitter", 0.0, 0.0, 180.0),
        spin=sub.number("spin", 0.0, -3600.0, 3600.0),
        spin_jitter=sub.number("spin_jitter", 0.0, 0.0, 3600.0),
        align=align,
        fade_in=sub.number("fade_in", 0.0, 0.0, 30.0),
        fade_out=sub.number("fade_out", d.fade_out, 0.0, 30.0),
        max_particles=sub.integer("max_particles", d.max_particles, 1, MAX_PARTICLES),
        style=sub.enum("style", Style) if sub.has("style") else d.style,
        frames=sub.enum("frames", FramePick) if sub.has("frames") else d.frames,
        fps=sub.number("fps", d.fps, 0.1, 120.0),
        seed=sub.integer("seed", 0, 0, 2**31 - 1),
    )
