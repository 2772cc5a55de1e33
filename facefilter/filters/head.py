"""Head-space layers: textured planes placed on the 3-D head, projected with the face's pose.

A ``head`` layer in a manifest holds one or more *planes*::

    {"name": "glasses", "placement": "head", "z": 10, "occlude": true,
     "planes": [
       {"image": "front.png", "centre": [0, -2, -24], "size": [150, 52]},
       {"image": "arm.png", "centre": [71, -6, 34], "size": [112, 14], "rotation": [90, 0, 0], "mirror": true}
     ]}

Head space is that of :data:`facefilter.pose.MEAN_FACE_3D`: millimetres, x to the image right,
y down, z away from the camera for a frontal face, origin between the outer eye corners (which
sit at x = -45 and +45 mm, so one template unit of :mod:`facefilter.filters.geometry` is
:data:`MM_PER_TEMPLATE_UNIT` mm at depth 0). A plane with ``rotation`` ``[0, 0, 0]`` faces the
camera of a frontal face, its image upright: image x runs along +x, image y along +y.

Plane fields: ``image`` (in the filter folder); ``region`` ``[x0, y0, x1, y1]`` (optional: the
part of the image to use, pixel edges, x1 and y1 exclusive); ``centre`` ``[x, y, z]`` (mm);
``size`` ``[width, height]`` (mm); ``rotation`` ``[yaw, pitch, roll]`` (degrees, the convention of
:class:`facefilter.types.HeadPose`: ``R = Rz(roll) @ Ry(-yaw) @ Rx(pitch)``, so yaw 90 turns the
plane's face to +x, pitch -90 makes it face up with the image bottom towards the camera);
``mirror`` (also draw the plane's mirror image across x = 0: left and right ears from one entry);
``double_sided`` (draw it from behind too; otherwise a plane seen from behind is culled; a
double-sided plane stands for a thin solid, so seen edge-on it is drawn as the sliver it would
show instead of vanishing: a halo's ring at the pitch where the camera is in its plane);
``billboard`` (turn about the plane's own vertical axis to face the camera, like a cone or a
cylinder that looks the same from every side). Layer field ``occlude`` (default true): hide the
parts of the planes that the head (:mod:`facefilter.filters.occluder`) is in front of.

Rendering (:class:`HeadLayer`): per face, the planes' corners are projected with the face's
:class:`~facefilter.types.HeadPose` (a pinhole camera, as :func:`facefilter.pose.estimate_pose`),
followed by a small 2-D similarity that moves the projected mean face's rigid points onto the
face's own (:func:`face_view`), so a sticker stays on the eyes even when a smoothed pose lags the
landmarks by a frame. Each plane is warped by the homography of its four corners from a mip level
of its premultiplied texture, multiplied by its visibility (depth against the head proxy, per
pixel) and blended; the planes of a layer are drawn far to near.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from facefilter.filters import geometry, render
from facefilter.filters.occluder import FaceView, HeadOcclusion
from facefilter.pose import MEAN_FACE_3D, RIGID_POINTS
from facefilter.types import HeadPose, rotation_from_angles

MM_PER_TEMPLATE_UNIT = float(np.linalg.norm(MEAN_FACE_3D[45] - MEAN_FACE_3D[36]))  # 90 mm
MAX_PLANES = 32
LIMIT_MM = 2000.0
NEAR_MM = 20.0  # planes with a corner closer to the camera than this are not drawn
BLEED_PX = 8  # texture pixels a region borrows from its neighbours, so adjacent planes leave no seam
EDGE_FACING = 0.02  # cos of the angle between a plane's normal and the line of sight below which it is edge-on
_RIGID = np.asarray(RIGID_POINTS)
_RIGID_3D = MEAN_FACE_3D[_RIGID].astype(np.float64)


@dataclass(frozen=True)
class HeadPlane:
    """One validated plane of a ``head`` layer (see the module docstring); ``image`` is absolute."""

    image: Path
    centre: tuple[float, float, float]
    size: tuple[float, float]
    rotation: tuple[float, float, float] = (0.0, 0.0, 0.0)
    region: tuple[int, int, int, int] | None = None
    mirror: bool = False
    double_sided: bool = False
    billboard: bool = False


class FieldReader(Protocol):
    """What :func:`parse_head_layer` needs of the manifest's field reader (``manifest._Fields``)."""

    filter_name: str
    table: dict[str, Any]

    def path(self, key: str) -> str: ...
    def error(self, key: str, message: str) -> Exception: ...
    def check_keys(self, allowed: tuple[str, ...], context: str = "") -> None: ...
    def has(self, key: str) -> bool: ...
    def required(self, key: str) -> Any: ...
    def child(self, key: str, table: Any) -> FieldReader: ...


PLANE_KEYS = ("image", "region", "centre", "size", "rotation", "mirror", "double_sided", "billboard")
LAYER_KEYS = ("planes", "occlude")


def _is_number(v: Any) -> bool:
    return not isinstance(v, bool) and isinstance(v, int | float) and math.isfinite(v)


def _vector(f: FieldReader, key: str, n: int, lo: float, hi: float, default: Sequence[float] | None = None) -> tuple:
    v = f.table.get(key, default) if default is not None else f.required(key)
    if not isinstance(v, list | tuple) or len(v) != n or not all(_is_number(c) for c in v):
        raise f.error(key, f"expected a list of {n} finite numbers, got {_show(v)}")
    if any(not lo <= c <= hi for c in v):
        raise f.error(key, f"values must be in [{lo:g}, {hi:g}], got {_show(v)}")
    return tuple(float(c) for c in v)


def _flag(f: FieldReader, key: str, default: bool) -> bool:
    v = f.table.get(key, default)
    if not isinstance(v, bool):
        raise f.error(key, f"expected true or false, got {_show(v)}")
    return v


def _show(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


def parse_plane(f: FieldReader, image_file: Callable[[FieldReader, str], Path]) -> HeadPlane:
    """Validate one plane table field by field (errors name the filter and ``layers[i].planes[j].field``)."""
    f.check_keys(PLANE_KEYS, " for a head plane")
    image = image_file(f, "image")
    region = None
    if f.has("region"):
        r = f.table["region"]
        if not isinstance(r, list) or len(r) != 4 or any(isinstance(c, bool) or not isinstance(c, int) for c in r):
            raise f.error("region", f"expected [x0, y0, x1, y1] in whole pixels, got {_show(r)}")
        if not (0 <= r[0] < r[2] and 0 <= r[1] < r[3]):
            raise f.error("region", f"expected 0 <= x0 < x1 and 0 <= y0 < y1, got {_show(r)}")
        region = (r[0], r[1], r[2], r[3])
    centre = _vector(f, "centre", 3, -LIMIT_MM, LIMIT_MM)
    size = _vector(f, "size", 2, -LIMIT_MM, LIMIT_MM)
    if min(size) <= 0:
        raise f.error("size", f"width and height must be > 0 mm, got {_show(f.table['size'])}")
    rotation = _vector(f, "rotation", 3, -360.0, 360.0, default=(0.0, 0.0, 0.0))
    return HeadPlane(image, centre, size, rotation, region, _flag(f, "mirror", False),  # type: ignore[arg-type]
                     _flag(f, "double_sided", False), _flag(f, "billboard", False))  # fmt: skip


def parse_head_layer(
    f: FieldReader, image_file: Callable[[FieldReader, str], Path]
) -> tuple[tuple[HeadPlane, ...], bool]:
    """``(planes, occlude)`` of a ``head`` layer table; ``image_file(fields, key)`` checks an image field."""
    raw = f.required("planes")
    if not isinstance(raw, list) or not raw:
        raise f.error("planes", f"expected a non-empty list of planes, got {_show(raw)}")
    if len(raw) > MAX_PLANES:
        raise f.error("planes", f"at most {MAX_PLANES} planes, got {len(raw)}")
    planes = tuple(parse_plane(f.child(f"planes[{i}]", t), image_file) for i, t in enumerate(raw))
    return planes, _flag(f, "occlude", True)


# ----------------------------------------------------------------------------- the camera of a face


def face_view(pose: HeadPose, landmarks: np.ndarray | None = None) -> FaceView:
    """The :class:`FaceView` of a face: its pose's camera, then (given its ``(68, 2)`` landmarks) the
    least-squares 2-D similarity taking the mean face's projected rigid points onto the face's own.

    The similarity is the identity for a pose fitted to these very landmarks and a face shaped
    like the mean; it absorbs the rest (a smoothed pose a frame behind, a wider-set pair of eyes).
    It is ignored if it is implausible (scale off by over 25%, or a shift over a face width),
    which means the pose belongs to another face or frame.
    """
    rotation, camera = pose.rotation, pose.camera_matrix
    view = FaceView(rotation, pose.tvec, camera)
    if landmarks is None:
        return view
    projected = view.project(_RIGID_3D)
    target = np.asarray(landmarks, np.float64)[_RIGID]
    if not (np.isfinite(projected).all() and np.isfinite(target).all()):
        return view
    try:
        s = geometry.similarity_lstsq(projected, target)
    except geometry.GeometryError:
        return view
    scale = math.hypot(s[0, 0], s[1, 0])
    span = float(np.ptp(target, axis=0).max())
    shift = float(np.linalg.norm(geometry.apply_affine(s, projected.mean(0, keepdims=True))[0] - projected.mean(0)))
    if not (0.75 < scale < 1.25 and shift < span):
        return view
    return FaceView(rotation, pose.tvec, np.vstack([s, [0.0, 0.0, 1.0]]) @ camera)


# ----------------------------------------------------------------------------- rendering


def crop_sprite(sprite: render.Sprite, region: tuple[int, int, int, int], bleed: int) -> tuple[render.Sprite, tuple]:
    """The part ``region`` (pixel edges) of ``sprite``, grown by up to ``bleed`` pixels inside the image.

    Returns the cropped sprite and the growth ``(left, top, right, bottom)`` in pixels.
    """
    x0, y0, x1, y1 = region
    base = sprite.levels[0][: sprite.height, : sprite.width]
    gx0, gy0 = max(0, x0 - bleed), max(0, y0 - bleed)
    gx1, gy1 = min(sprite.width, x1 + bleed), min(sprite.height, y1 + bleed)
    crop = np.ascontiguousarray(base[gy0:gy1, gx0:gx1])
    return render.Sprite.from_bgra(crop, premultiplied=True), (x0 - gx0, y0 - gy0, gx1 - x1, gy1 - y1)


class _Plane:
    """A plane ready to draw: its texture and its frame in head space (mm)."""

    def __init__(self, spec: HeadPlane, sprite: render.Sprite, grow: tuple[int, int, int, int], mirrored: bool):
        self.sprite = sprite
        self.src = render.sprite_corners(sprite.width, sprite.height).astype(np.float32)
        self.double_sided = spec.double_sided
        self.billboard = spec.billboard
        rot = rotation_from_angles(*spec.rotation)
        m = np.diag([-1.0, 1.0, 1.0]) if mirrored else np.eye(3)
        self.centre = m @ np.asarray(spec.centre)
        self.x_axis = m @ rot[:, 0]  # image x; mirrored, the picture is seen mirrored, as in a mirror
        self.y_axis = m @ rot[:, 1]  # image y (down)
        self.normal = m @ -rot[:, 2]  # the side the picture is on
        self.flip = -1.0 if mirrored else 1.0  # billboards mirror their picture explicitly
        w, h = spec.size
        rw, rh = sprite.width - grow[0] - grow[2], sprite.height - grow[1] - grow[3]
        sx, sy = w / rw, h / rh  # mm per texture pixel
        # Plane coordinates of the texture's outer corners (TL, TR, BR, BL, as render.sprite_corners),
        # the bleed included.
        left, top = -w / 2 - grow[0] * sx, -h / 2 - grow[1] * sy
        right, bottom = w / 2 + grow[2] * sx, h / 2 + grow[3] * sy
        self.uv = np.array([[left, top], [right, top], [right, bottom], [left, bottom]])
        # Texture pixel centres (x, y, 1) -> plane coordinates (u, v, 1): the corners above are
        # at pixel coordinates -0.5 and size - 0.5.
        du, dv = (right - left) / sprite.width, (bottom - top) / sprite.height
        self.texture_to_plane = np.array([[du, 0.0, left + 0.5 * du], [0.0, dv, top + 0.5 * dv], [0.0, 0.0, 1.0]])

    def billboard_axes(self, camera: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """A billboard's ``(x_axis, y_axis, normal)``: turned about its y axis to face ``camera``."""
        to_cam = camera - self.centre
        y = self.y_axis
        n = to_cam - (to_cam @ y) * y
        norm = math.sqrt(float(n @ n))
        if norm < 1e-6:
            return None
        n = n / norm
        x = np.array([n[1] * y[2] - n[2] * y[1], n[2] * y[0] - n[0] * y[2], n[0] * y[1] - n[1] * y[0]])
        return x * self.flip, y, n


def warp_sprite(sprite: render.Sprite, h: np.ndarray, roi: render.Roi) -> np.ndarray:
    """The premultiplied BGRA picture of ``sprite`` mapped by the ``(3, 3)`` sprite->frame homography
    ``h`` over the frame region ``roi``, sampled bilinearly from the mip level that fits the scale
    at the sprite's centre."""
    x0, y0, w, hh = roi
    cx, cy = (sprite.width - 1) / 2, (sprite.height - 1) / 2
    (h00, h01, h02), (h10, h11, h12), (h20, h21, h22) = h.tolist()  # Python floats: cheaper one by one
    wc = h20 * cx + h21 * cy + h22
    px, py = (h00 * cx + h01 * cy + h02) / wc, (h10 * cx + h11 * cy + h12) / wc
    a, b = (h00 - px * h20) / wc, (h01 - px * h21) / wc  # the Jacobian there
    c, d = (h10 - py * h20) / wc, (h11 - py * h21) / wc
    # Planes seen at a grazing angle are squeezed along one axis only: the level of the geometric
    # mean of the two scales (not of the larger one) trades a little blur along the other axis for
    # no shimmering stripes along the squeezed one (halos, temple arms).
    scale = math.sqrt(abs(a * d - b * c))
    k = 0 if not scale > 0 else min(len(sprite.levels) - 1, max(0, math.floor(-math.log2(scale) + 1e-9)))
    m = h @ _LEVEL_TO_BASE[k] if k < len(_LEVEL_TO_BASE) else h @ render.level_to_base(k)
    m[0] -= x0 * m[2]  # then shifted by (-x0, -y0)
    m[1] -= y0 * m[2]
    return cv2.warpPerspective(sprite.levels[k], m, (w, hh),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)  # fmt: skip


_LEVEL_TO_BASE = [render.level_to_base(k) for k in range(16)]


class HeadLayer:
    """Draws one ``head`` layer on faces.

    ``layer`` is the manifest's layer (with ``planes`` and ``occlude``); ``load_sprite(path,
    field)`` returns the premultiplied sprite of an image file; ``error(field, message)`` makes the
    exception raised for a region that does not fit its image.
    """

    def __init__(
        self,
        layer: Any,
        load_sprite: Callable[[Path, str], render.Sprite],
        error: Callable[[str, str], Exception],
    ) -> None:
        self.layer = layer
        self.occlude = bool(layer.occlude)
        self.planes: list[_Plane] = []
        for j, spec in enumerate(layer.planes):
            field = f"layers[{layer.index}].planes[{j}]"
            sprite = load_sprite(spec.image, f"{field}.image")
            grow = (0, 0, 0, 0)
            if spec.region is not None:
                x1, y1 = spec.region[2:]
                if x1 > sprite.width or y1 > sprite.height:
                    raise error(f"{field}.region", f"{list(spec.region)} is outside the {sprite.width}x"
                                f"{sprite.height} image {spec.image.name!r}")  # fmt: skip
                sprite, grow = crop_sprite(sprite, spec.region, BLEED_PX)
            self.planes.append(_Plane(spec, sprite, grow, False))
            if spec.mirror:
                self.planes.append(_Plane(spec, sprite, grow, True))
        # The planes' frames stacked, to cull and project them all at once.
        self._centre = np.array([p.centre for p in self.planes])
        self._x = np.array([p.x_axis for p in self.planes])
        self._y = np.array([p.y_axis for p in self.planes])
        self._normal = np.array([p.normal for p in self.planes])
        self._uv = np.array([p.uv for p in self.planes])
        self._texture_to_plane = np.array([p.texture_to_plane for p in self.planes])
        self._billboard = np.array([p.billboard for p in self.planes])
        self._billboards = np.flatnonzero(self._billboard).tolist()
        self._double = np.array([p.double_sided for p in self.planes])

    def draw(self, frame: np.ndarray, face: Any, opacity: float) -> None:
        """Draw on ``frame`` (BGR uint8, in place) for ``face`` (an engine ``FaceGeometry``:
        ``head_pose()``, ``landmarks``); ``opacity`` in [0, 1]."""
        given = getattr(face, "pose", None) is not None
        try:
            pose = face.head_pose()
        except ValueError:
            return  # no pose fits these landmarks
        # A pose fitted to these very landmarks needs no correction towards them (see face_view).
        view = face_view(pose, face.landmarks if given else None)
        self.draw_view(frame, view, opacity)

    def draw_view(self, frame: np.ndarray, view: FaceView, opacity: float) -> None:
        """Draw the planes as seen by ``view`` on ``frame`` (in place)."""
        to_cam = view.camera - self._centre
        facing = (self._normal * to_cam).sum(1) / np.maximum(np.linalg.norm(to_cam, axis=1), 1e-9)
        # Culled: seen from behind (unless double-sided) or edge-on (unless double-sided: see below);
        # billboards always face the camera.
        keep = self._billboard | self._double | (facing >= EDGE_FACING)
        x, y, normal = self._x, self._y, self._normal
        edge_on = np.flatnonzero(self._double & ~self._billboard & (np.abs(facing) < EDGE_FACING)).tolist()
        if self._billboards or edge_on:
            x, y, normal = x.copy(), y.copy(), normal.copy()
        for i in edge_on:
            # A double-sided plane stands for a thin solid (a halo's ring): seen edge-on it still
            # shows a sliver, so it is drawn turned towards the camera until it faces it by EDGE_FACING.
            axes = _tilt_to_facing((x[i], y[i], normal[i]), to_cam[i], EDGE_FACING)
            if axes is None:
                keep[i] = False
            else:
                x[i], y[i], normal[i] = axes
        for i in self._billboards:
            axes = self.planes[i].billboard_axes(view.camera)
            if axes is None:
                keep[i] = False
            else:
                x[i], y[i], normal[i] = axes
        corners = self._centre[:, None] + self._uv[..., :1] * x[:, None] + self._uv[..., 1:] * y[:, None]  # (P, 4, 3)
        cam = corners @ view.rotation.T + view.tvec
        keep &= cam[..., 2].min(1) >= NEAR_MM
        hom = cam @ view.matrix.T
        px = hom[..., :2] / np.where(hom[..., 2:] > 1e-9, hom[..., 2:], np.nan)
        # Each plane's frame region, as render.frame_roi (a one-pixel margin), for all at once.
        keep &= np.isfinite(px).all((1, 2))
        if not keep.any():
            return
        px[~keep] = 0.0
        lo = np.maximum(np.floor(px.min(1)) - 1, 0).astype(int)
        hi = np.minimum(np.ceil(px.max(1)) + 2, (frame.shape[1], frame.shape[0])).astype(int)
        keep &= (hi > lo).all(1)
        if not keep.any():
            return
        # Texture -> frame homographies: the camera applied to the plane's frame (x, y, centre).
        centre_cam = self._centre @ view.rotation.T + view.tvec
        frames = np.empty((len(self.planes), 3, 3))
        frames[:, :, 0] = x @ view.rotation.T  # columns: the axes and the centre in the camera
        frames[:, :, 1] = y @ view.rotation.T
        frames[:, :, 2] = centre_cam
        homographies = view.matrix @ frames @ self._texture_to_plane
        keep &= np.isfinite(homographies).all((1, 2))
        if not keep.any():
            return
        order = np.flatnonzero(keep)
        order = order[np.argsort(-centre_cam[order, 2], kind="stable")]  # far to near
        lo_l, size_l = lo.tolist(), (hi - lo).tolist()
        todo = [(int(i), (lo_l[i][0], lo_l[i][1], size_l[i][0], size_l[i][1])) for i in order]
        occlusion = None
        if self.occlude:
            x0, y0 = lo[order].min(0).tolist()
            x1, y1 = hi[order].max(0).tolist()
            box = view.head_box()
            hx0, hy0 = max(x0, math.floor(box[0, 0])), max(y0, math.floor(box[0, 1]))
            hx1, hy1 = min(x1, math.ceil(box[1, 0]) + 1), min(y1, math.ceil(box[1, 1]) + 1)
            if hx1 > hx0 and hy1 > hy0:
                # The depth test runs every other pixel and is interpolated (a 2 px soft edge, 1/4 of the work).
                occlusion = HeadOcclusion(view, (int(hx0), int(hy0), int(hx1 - hx0), int(hy1 - hy0)), step=2)
        masks: list[np.ndarray | None] = [None] * len(todo)
        clipped: list[render.Roi | None] = [None] * len(todo)
        if occlusion is not None:
            farthest = cam[..., 2].max(1)
            clipped = [_clip_roi(roi, occlusion.roi) for _, roi in todo]
            tests = [(self._centre[i], normal[i], c, float(farthest[i]))
                     for (i, _), c in zip(todo, clipped, strict=True) if c is not None]  # fmt: skip
            it = iter(occlusion.visibilities8(tests))
            masks = [next(it) if c is not None else None for c in clipped]
        for (i, roi), vis, part_roi in zip(todo, masks, clipped, strict=True):
            h = homographies[i]
            x0, y0, w, hh = roi
            if vis is not None and part_roi is not None:
                if part_roi[2:] == roi[2:]:
                    # All of the plane's region is depth-tested: warp and blend only where it shows.
                    bx, by, bw, bh = cv2.boundingRect(vis)
                    if bw == 0 or bh == 0:
                        continue  # wholly behind the head
                    if bw * bh < 0.8 * vis.size:
                        vis = vis[by : by + bh, bx : bx + bw]
                        roi = part_roi = (x0 + bx, y0 + by, bw, bh)
                        x0, y0, w, hh = roi
                warped = warp_sprite(self.planes[i].sprite, h, roi)
                vx0, vy0, vw, vh = part_roi
                part = warped[vy0 - y0 : vy0 - y0 + vh, vx0 - x0 : vx0 - x0 + vw]
                part[:] = cv2.multiply(part, cv2.merge([vis, vis, vis, vis]), scale=1.0 / 255.0)
            else:
                warped = warp_sprite(self.planes[i].sprite, h, roi)
            render.blend_premultiplied(frame[y0 : y0 + hh, x0 : x0 + w], warped, opacity)


def _tilt_to_facing(
    axes: tuple[np.ndarray, np.ndarray, np.ndarray], to_cam: np.ndarray, facing: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """A plane's ``(x_axis, y_axis, normal)`` (head space, unit) turned about the in-plane axis across
    the line of sight ``to_cam`` (plane centre -> camera) so that ``normal . unit(to_cam)`` becomes
    ``facing`` with its own sign (+ when 0): the least turn that shows a plane seen edge-on. None
    when the line of sight is degenerate or along the normal."""
    n = axes[2]
    norm = math.sqrt(float(to_cam @ to_cam))
    if norm < 1e-9:
        return None
    v = to_cam / norm
    f = float(n @ v)
    axis = np.cross(n, v)  # turning about it by a positive angle brings n towards v
    s = math.sqrt(float(axis @ axis))
    if s < 1e-9:
        return None
    axis /= s
    angle = math.asin(math.copysign(facing, f if f != 0 else 1.0)) - math.asin(max(-1.0, min(1.0, f)))
    rot, _ = cv2.Rodrigues(axis * angle)
    return rot @ axes[0], rot @ axes[1], rot @ n


def _clip_roi(roi: render.Roi, bounds: render.Roi) -> render.Roi | None:
    """The part of ``roi`` inside ``bounds``, or None."""
    x0, y0 = max(roi[0], bounds[0]), max(roi[1], bounds[1])
    x1, y1 = min(roi[0] + roi[2], bounds[0] + bounds[2]), min(roi[1] + roi[3], bounds[1] + bounds[3])
    return (x0, y0, x1 - x0, y1 - y0) if x1 > x0 and y1 > y0 else None
