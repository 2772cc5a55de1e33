"""A loaded filter: its validated manifest, its images as premultiplied sprites, and ``render``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from facefilter.filters import geometry, render, warps
from facefilter.filters.manifest import FilterError, FilterManifest, Layer, Placement, WarpEffect, read_manifest
from facefilter.types import N_LANDMARKS

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

    def __init__(self, landmarks: np.ndarray) -> None:
        self.landmarks = landmarks
        self.similarity = geometry.face_similarity(landmarks)  # template -> frame
        self.scale = float(np.sqrt(abs(np.linalg.det(self.similarity[:, :2]))))
        self._extended: np.ndarray | None = None

    @property
    def extended(self) -> np.ndarray:
        if self._extended is None:
            self._extended = geometry.extend_landmarks(self.landmarks, self.similarity)
        return self._extended


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

    def draw(self, frame: np.ndarray, face: FaceGeometry, opacity: float) -> None:
        lm = face.landmarks
        dst = np.array([lm[a].mean(0) for a in self.anchors])
        try:
            if self.layer.placement is Placement.SIMILARITY:
                render.draw_affine(frame, self.sprite, geometry.similarity_from_2(self.src, dst), opacity)
            elif self.layer.placement is Placement.AFFINE:
                render.draw_affine(frame, self.sprite, geometry.affine_from_3(self.src, dst), opacity)
            else:
                render.draw_perspective(frame, self.sprite, geometry.perspective_from_4(self.src, dst), opacity)
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

    def draw(self, frame: np.ndarray, face: FaceGeometry, opacity: float) -> None:
        scale = face.scale / self.pixels_per_unit
        render.draw_mesh(frame, self.sprite, self.texture_points, face.extended, self.triangles, opacity, scale)


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
    """

    def __init__(self, manifest: FilterManifest) -> None:
        self.manifest = manifest
        self.name = manifest.name
        self.title = manifest.title
        self.thumbnail: Path = manifest.thumbnail
        _read_image(manifest.thumbnail, self.name, "thumbnail")
        sprites: dict[Path, render.Sprite] = {}
        self._warps: list[_Warp] = []
        self._layers: list[_Sticker | _Mesh] = []
        for layer in manifest.layers:
            if layer.placement is Placement.WARP:
                self._warps.append(_Warp(layer))
                continue
            assert layer.image is not None
            field = f"layers[{layer.index}].image"
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

    @classmethod
    def load(cls, folder: str | Path, name: str | None = None) -> Filter:
        """Read, validate and load the filter in ``folder`` (raises :class:`FilterError`)."""
        return cls(read_manifest(folder, name))

    @property
    def description(self) -> str:
        return self.manifest.description

    def __repr__(self) -> str:
        return f"Filter({self.name!r}, title={self.title!r}, layers={len(self.manifest.layers)})"

    def render(self, frame_bgr: np.ndarray, faces: Sequence[Any]) -> np.ndarray:
        """A new BGR frame with the filter drawn on every face; ``frame_bgr`` is not modified.

        ``faces``: objects with ``landmarks`` ``(68, 2)`` in frame pixels (or such arrays). Warps
        run first on the camera image; then faces are drawn from the smallest (farthest) to the
        largest, each with its layers in ``z`` order. Faces with non-finite landmarks are skipped.
        """
        frame = np.asarray(frame_bgr)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"{self.name}: frame must be HxWx3 uint8 BGR, got {frame.shape} {frame.dtype}")
        out = frame.copy()
        faces_g: list[FaceGeometry] = []
        for lm in map(face_landmarks, faces):
            if lm is None:
                continue
            try:
                g = FaceGeometry(lm)
            except geometry.GeometryError:
                continue
            if g.scale > 1e-3:  # skips collapsed faces
                faces_g.append(g)
        faces_g.sort(key=lambda g: g.scale)
        for warp in self._warps:
            for g in faces_g:
                warp.draw(out, g, _opacity(warp.layer, g.landmarks))
        for g in faces_g:
            for layer in self._layers:
                op = _opacity(layer.layer, g.landmarks)
                if op > 0:
                    layer.draw(out, g, op)
        return out


def _opacity(layer: Layer, lm: np.ndarray) -> float:
    return layer.opacity * (layer.when.weight(lm) if layer.when is not None else 1.0)
