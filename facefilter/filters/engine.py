"""A loaded filter: its validated manifest, its images as premultiplied sprites, and ``render``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from facefilter.filters import geometry, render, warps
from facefilter.filters.animation import AnimatedLayer, AnimationError, Player, read_frames
from facefilter.filters.head import HeadLayer
from facefilter.filters.manifest import FilterError, FilterManifest, Layer, Placement, WarpEffect, read_manifest
from facefilter.filters.particles import ParticleLayer
from facefilter.filters.state import LiveFaces
from facefilter.filters.swap import SwapLayer
from facefilter.filters.triggers import EMOTION_EVENTS, expression_probs
from facefilter.pose import estimate_pose
from facefilter.types import N_LANDMARKS, HeadPose

MAX_IMAGE_SIDE = 4096


def _read_image(path: Path, filter_name: str, field: str) -> np.ndarray:
    """Straight-alpha BGRA uint8 from an image file, or :class:`FilterError` naming the field."""
    data = np.fromfile(path, dtype=np.uint8) if path.is_file() else np.zeros(0, np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if img is None:
        raise FilterError(filter_name, field, f"cannot decode image {path.name!r}")
    if max(img.shape[:2]) > MAX_IMAGE_SIDE:
        raise FilterError(
            filter_name, field, f"{path.name!r} is {img.shape[1]}x{img.shape[0]}; max side {MAX_IMAGE_SIDE}"
        )
    try:
        return render.to_bgra(img)
    except ValueError as exc:
        raise FilterError(filter_name, field, f"{path.name!r}: {exc}") from None


def face_landmarks(face: Any) -> np.ndarray | None:
    """``(68, 2)`` float64 landmarks of a face object (or array); None when not finite."""
    lm = np.asarray(getattr(face, "landmarks", face), dtype=np.float64)
    if lm.shape != (N_LANDMARKS, 2):
        raise ValueError(f"each face needs landmarks of shape (68, 2), got {lm.shape}")
    return lm if np.isfinite(lm).all() else None


class FaceGeometry:
    """One face's landmarks with what several layers need, computed once per render."""

    def __init__(self, landmarks: np.ndarray, pose: Any = None, frame_size: tuple[int, int] | None = None) -> None:
        self.landmarks = landmarks
        self.pose = pose  # the face's HeadPose when the tracker estimated one
        self.frame_size = frame_size  # (width, height) of the frame the landmarks are in
        self.key: Any = None  # the face's id (else its index in the list): keys the filter's state
        self.expression: np.ndarray | None = None  # smoothed expression probabilities (8,), when known
        self.live: Any = None  # its facefilter.filters.state.FaceLive, when the filter has animated layers
        self.similarity = geometry.face_similarity(landmarks)  # template -> frame
        self.scale = float(np.sqrt(abs(np.linalg.det(self.similarity[:, :2]))))
        self._extended: np.ndarray | None = None
        self._turn_fade: float | None = None

    def head_pose(self) -> HeadPose:
        """The face's pose; estimated from its landmarks and ``frame_size`` (once) when it came without."""
        if self.pose is None:
            if self.frame_size is None:
                raise ValueError("a face without a head pose needs the frame size to estimate one")
            self.pose = estimate_pose(self.landmarks, self.frame_size)
        return self.pose

    @property
    def turn_fade(self) -> float:
        """Opacity factor of the landmark-placed layers for how far the head is turned from the
        camera ray (:func:`turn_fade`); 1 when no pose can be fitted."""
        if self._turn_fade is None:
            try:
                self._turn_fade = turn_fade(turn_angle(self.head_pose()))
            except ValueError:
                self._turn_fade = 1.0
        return self._turn_fade

    @property
    def extended(self) -> np.ndarray:
        if self._extended is None:
            self._extended = geometry.extend_landmarks(self.landmarks, self.similarity)
        return self._extended


# Past TURN_FADE_START degrees of turn from the camera ray the landmark-placed layers (stickers,
# meshes, their animations, warps) fade out, gone at TURN_FADE_END: near profile the 68 points
# are unreliable, and a nose drawn on a cheek is worse than none. Head-space layers cull their
# back faces instead; face swaps and particles are left as they are.
TURN_FADE_START = 65.0
TURN_FADE_END = 80.0


def turn_angle(pose: HeadPose) -> float:
    """Degrees the head is turned left/right from facing the camera, measured against the ray
    from the camera to the head (not the optical axis), in the camera's horizontal (x-z) plane."""
    forward = -np.asarray(pose.rotation)[:, 2]  # the nose's direction (head-space -z) in camera space
    to_camera = -np.asarray(pose.tvec, dtype=np.float64)
    a = np.degrees(np.arctan2(forward[0], -forward[2]) - np.arctan2(to_camera[0], -to_camera[2]))
    return float(abs((a + 180.0) % 360.0 - 180.0))


def turn_fade(angle: float, start: float = TURN_FADE_START, end: float = TURN_FADE_END) -> float:
    """1 up to ``start`` degrees, 0 from ``end``, a smoothstep between."""
    x = float(np.clip((angle - start) / (end - start), 0.0, 1.0))
    return 1.0 - x * x * (3.0 - 2.0 * x)


class _Sticker:
    """A sprite placed by 2, 3 or 4 anchors (similarity, affine, perspective)."""

    def __init__(self, layer: Layer, sprite: render.Sprite) -> None:
        self.layer = layer
        self.sprite = sprite
        self.anchors = [list(a) for a in layer.anchors]
        pts = np.array(layer.image_points, dtype=np.float64)
        centre = pts.mean(0)
        span = float(np.linalg.norm(pts[1] - pts[0]))
        # Scaling the image points down around their centre makes the sticker bigger on the face;
        # moving them by -offset moves the sticker by +offset.
        self.src = centre + (pts - centre) / layer.scale - np.array(layer.offset) * span

    def draw(self, frame: np.ndarray, face: FaceGeometry, opacity: float, sprite: render.Sprite | None = None) -> None:
        sprite = sprite or self.sprite  # another frame of an animated layer
        lm = face.landmarks
        dst = np.array([lm[a].mean(0) for a in self.anchors])
        try:
            if self.layer.placement is Placement.SIMILARITY:
                render.draw_affine(frame, sprite, geometry.similarity_from_2(self.src, dst), opacity)
            elif self.layer.placement is Placement.AFFINE:
                render.draw_affine(frame, sprite, geometry.affine_from_3(self.src, dst), opacity)
            else:
                render.draw_perspective(frame, sprite, geometry.perspective_from_4(self.src, dst), opacity)
        except (geometry.GeometryError, np.linalg.LinAlgError):
            return  # anchors collapsed (a face seen edge-on): nothing sensible to draw


class _Mesh:
    """A square texture over the extended template, bent piecewise-affinely with the face."""

    def __init__(self, layer: Layer, sprite: render.Sprite) -> None:
        self.layer = layer
        self.sprite = sprite
        self.texture_points = geometry.mesh_template(sprite.width)
        self.triangles = render.active_triangles(sprite, self.texture_points, geometry.mesh_triangles())
        self.pixels_per_unit = geometry.template_to_texture(sprite.width)[0, 0]

    def draw(self, frame: np.ndarray, face: FaceGeometry, opacity: float, sprite: render.Sprite | None = None) -> None:
        scale = face.scale / self.pixels_per_unit
        sprite = sprite or self.sprite  # another frame of an animated layer
        render.draw_mesh(frame, sprite, self.texture_points, face.extended, self.triangles, opacity, scale)


class _Warp:
    """A pixel warp; ``opacity`` (with any condition) scales its strength."""

    def __init__(self, layer: Layer) -> None:
        self.layer = layer

    def draw(self, frame: np.ndarray, face: FaceGeometry, opacity: float) -> None:
        lm = face.landmarks
        strength = self.layer.strength * opacity
        radius = self.layer.radius * face.scale
        if strength <= 0 or radius < 2:
            return
        if self.layer.effect is WarpEffect.BIG_EYES:
            centres = np.array([lm[36:42].mean(0), lm[42:48].mean(0)])
            roi = render.frame_roi(np.concatenate([centres - radius, centres + radius]), frame.shape)
            if roi is not None:
                map_x, map_y = warps.bulge_map(roi, centres, np.full(2, radius), 0.6 * strength)
                render.remap_region(frame, roi, map_x, map_y)
        else:
            idx = [2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14]
            pts = lm[idx]
            # Pull sideways (in the face's own frame) towards the vertical line through the nose tip.
            axis = face.similarity[:, 1]
            axis = axis / np.linalg.norm(axis)
            target = lm[30] + np.outer((pts - lm[30]) @ axis, axis)
            moves = 0.12 * strength * (target - pts)
            sigma = radius / 2
            roi = render.frame_roi(np.concatenate([pts - 3 * sigma, pts + 3 * sigma]), frame.shape)
            if roi is not None:
                map_x, map_y = warps.translation_map(roi, pts, moves, sigma)
                render.remap_region(frame, roi, map_x, map_y)


class Filter:
    """A face filter loaded from a folder: ``render(frame_bgr, faces)`` draws it on every face.

    ``name`` is the folder name (stable key), ``title`` the display name, ``thumbnail`` a PNG path.
    ``status`` says, after each render, why a layer drew nothing (e.g. a face swap with one face;
    ``""`` when all is well): the app shows it in its status bar.
    """

    def __init__(self, manifest: FilterManifest) -> None:
        self.manifest = manifest
        self.name = manifest.name
        self.title = manifest.title
        self.thumbnail: Path = manifest.thumbnail
        _read_image(manifest.thumbnail, self.name, "thumbnail")
        sprites: dict[Path, render.Sprite] = {}
        self._warps: list[_Warp] = []
        self._layers: list[_Sticker | _Mesh | AnimatedLayer | ParticleLayer] = []
        self._swaps: list[tuple[Layer, SwapLayer]] = []
        self.status = ""
        for layer in manifest.layers:
            if layer.placement is Placement.SWAP:
                assert layer.swap is not None
                field = f"layers[{layer.index}].source"
                image = _read_image(layer.swap.image, self.name, field) if layer.swap.image is not None else None
                self._swaps.append((layer, SwapLayer(layer.swap, image, self.name, field)))
                continue
            if layer.placement is Placement.WARP:
                self._warps.append(_Warp(layer))
                continue
            if layer.placement is Placement.HEAD:  # planes in head space, see facefilter.filters.head
                self._layers.append(HeadLayer(layer, self._sprite_loader(sprites), self._error))
                continue
            assert layer.image is not None
            field = f"layers[{layer.index}].image"
            if layer.animation is not None or layer.emitter is not None:  # frame sequences, particles
                self._layers.append(self._live_layer(layer, field))
                continue
            if layer.image not in sprites:
                sprites[layer.image] = render.Sprite.from_bgra(_read_image(layer.image, self.name, field))
            sprite = sprites[layer.image]
            if layer.placement is Placement.MESH:
                if sprite.width != sprite.height or sprite.width < 64:
                    raise FilterError(
                        self.name, field, f"mesh textures must be square, >= 64 px; got {sprite.width}x{sprite.height}"
                    )
                self._layers.append(_Mesh(layer, sprite))
            else:
                self._layers.append(_Sticker(layer, sprite))
        live = any(isinstance(x, AnimatedLayer | ParticleLayer) for x in self._layers)
        self._live = LiveFaces(self._triggers()) if live else None

    def _live_layer(self, layer: Layer, field: str) -> AnimatedLayer | ParticleLayer:
        """An animated sticker or mesh, or a particle emitter (see :mod:`facefilter.filters.animation`,
        :mod:`facefilter.filters.particles`)."""
        assert layer.image is not None
        try:
            frames, fps = read_frames(layer.image)
        except AnimationError as exc:
            raise FilterError(self.name, field, str(exc)) from None
        if max(frames[0].shape[:2]) > MAX_IMAGE_SIDE:
            raise FilterError(self.name, field, f"{layer.image.name!r} is larger than {MAX_IMAGE_SIDE} px")
        if layer.emitter is not None:
            return ParticleLayer(layer, frames)
        assert layer.animation is not None
        sprites = [render.Sprite.from_bgra(f) for f in frames]
        if layer.placement is Placement.MESH:
            if sprites[0].width != sprites[0].height or sprites[0].width < 64:
                raise FilterError(self.name, field, "mesh textures must be square, >= 64 px")
            inner: _Sticker | _Mesh = _Mesh(layer, sprites[0])
        else:
            inner = _Sticker(layer, sprites[0])
        return AnimatedLayer(inner, sprites, Player(layer.animation, len(sprites), fps, layer.index))

    def _triggers(self) -> frozenset:
        """Every trigger the layers use."""
        found = [x.animation.trigger for x in self.manifest.layers if x.animation is not None]
        found += [x.emitter.trigger for x in self.manifest.layers if x.emitter is not None]
        return frozenset(t for t in found if t is not None)

    @property
    def needs_expression(self) -> bool:
        """Whether a layer is triggered by an expression (the pipeline then runs the expression model)."""
        return self._live is not None and any(s.event in EMOTION_EVENTS for s in self._live.specs)

    @property
    def state(self) -> LiveFaces | None:
        """The per-face state of a filter with animated or particle layers (None for others)."""
        return self._live

    def reset(self) -> None:
        """Forget every face's state (animations, triggers, baselines, particles)."""
        if self._live is not None:
            self._live.reset()
        for _, swap in self._swaps:
            swap.reset()

    def _sprite_loader(self, sprites: dict[Path, render.Sprite]) -> Callable[[Path, str], render.Sprite]:
        """``load(path, field)``: the sprite of an image file, read once per filter."""

        def load(path: Path, field: str) -> render.Sprite:
            if path not in sprites:
                sprites[path] = render.Sprite.from_bgra(_read_image(path, self.name, field))
            return sprites[path]

        return load

    def _error(self, field: str, message: str) -> FilterError:
        return FilterError(self.name, field, message)

    @classmethod
    def load(cls, folder: str | Path, name: str | None = None) -> Filter:
        """Read, validate and load the filter in ``folder`` (raises :class:`FilterError`)."""
        return cls(read_manifest(folder, name))

    @property
    def description(self) -> str:
        return self.manifest.description

    @property
    def has_swap(self) -> bool:
        """Whether the filter swaps faces (the app then shows its morph slider)."""
        return bool(self._swaps)

    @property
    def default_morph(self) -> float:
        """The manifest's morph weight of the first swap layer (1.0 without one)."""
        return self._swaps[0][1].default_morph if self._swaps else 1.0

    @property
    def morph(self) -> float | None:
        """The morph weight (0..1) overriding every swap layer's manifest value; ``None``: theirs."""
        return self._swaps[0][1].morph if self._swaps else None

    @morph.setter
    def morph(self, value: float | None) -> None:
        for _, swap in self._swaps:
            swap.morph = None if value is None else float(np.clip(value, 0.0, 1.0))

    def __repr__(self) -> str:
        return f"Filter({self.name!r}, title={self.title!r}, layers={len(self.manifest.layers)})"

    def render(self, frame_bgr: np.ndarray, faces: Sequence[Any], t: float | None = None) -> np.ndarray:
        """A new BGR frame with the filter drawn on every face; ``frame_bgr`` is not modified.

        ``t``: the frame's time in seconds, for animated layers, triggers and particles, whose
        state is kept per face ``id`` (see :mod:`facefilter.filters.state`); None: a still image
        (no state is read or kept; animated layers show their still frame).

        ``faces``: objects with ``landmarks`` ``(68, 2)`` in frame pixels (or such arrays). Face
        swaps run first, reading the camera image, then warps; then faces are drawn from the smallest (farthest) to the
        largest, each with its layers in ``z`` order. Faces with non-finite landmarks are skipped.
        """
        frame = np.asarray(frame_bgr)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"{self.name}: frame must be HxWx3 uint8 BGR, got {frame.shape} {frame.dtype}")
        out = frame.copy()
        faces_g: list[FaceGeometry] = []
        for i, face in enumerate(faces):
            lm = face_landmarks(face)
            if lm is None:
                continue
            try:
                g = FaceGeometry(lm, getattr(face, "pose", None), (out.shape[1], out.shape[0]))
            except geometry.GeometryError:
                continue
            if g.scale > 1e-3:  # skips collapsed faces
                g.key = i if getattr(face, "id", None) is None else face.id
                g.expression = expression_probs(face)
                faces_g.append(g)
        faces_g.sort(key=lambda g: g.scale)
        if self._live is not None:
            self._live.attach(faces_g, t, out.shape)
        for layer, swap in self._swaps:  # reads the camera picture, before anything is drawn on it
            swap.draw(frame, out, faces_g, [_opacity(layer, g) for g in faces_g], t)
        self.status = "; ".join(swap.status for _, swap in self._swaps if swap.status)
        for warp in self._warps:
            for g in faces_g:
                warp.draw(out, g, _opacity(warp.layer, g) * g.turn_fade)
        for g in faces_g:
            for layer in self._layers:
                op = _opacity(layer.layer, g)
                if op > 0 and not isinstance(layer, HeadLayer | ParticleLayer):
                    op *= g.turn_fade  # near profile: fade, rather than put a nose on a cheek
                if op > 0:
                    layer.draw(out, g, op)
        return out


def _opacity(layer: Layer, face: FaceGeometry) -> float:
    if layer.when is None:
        return layer.opacity
    return layer.opacity * layer.when.weight(face.landmarks, face.head_pose() if layer.when.needs_pose else None)
