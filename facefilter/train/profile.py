"""Large-pose training faces synthesised from near-frontal ones ("face profiling", 300W-LP style).

After Zhu et al., CVPR 2016: the 3-D mean face (:data:`facefilter.pose.MEAN_FACE_3D`, mm) is
fitted to a face's 68 points, a dense surface is built over it (the 68 points, the cheeks'
horizontal contour lines, forehead, a rough shell for ears and hair, and the picture's border
as a fixed background), the head is turned in yaw and pitch and the picture is re-rendered by a
piecewise-affine mesh warp drawn far to near (so the far cheek hides behind the nose) with
back-facing triangles dropped. The inner points (17-67) are mesh vertices and move with their
texture; each face-outline point (0-16) slides along its contour line to the visible silhouette,
300-W's markup for turned faces (on the far side the cheek line, not the hidden 3-D jaw). What
the turn reveals is filled by stretched background, blurred or inpainted copies, or random
texture mixes, chosen at random, so that the network cannot learn the fill.

Conventions: images are ``(H, W)`` uint8 grey or ``(H, W, 3)`` uint8 BGR; points are ``(68, 2)``
pixels, origin at the centre of the top-left pixel, iBUG order. The projection is weak
perspective (scaled orthographic) in pixel units: camera space is x right, y down, z away from
the camera, in pixels. Pure numpy + cv2 (no torch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import Delaunay

from facefilter.pose import MEAN_FACE_3D, estimate_pose
from facefilter.types import N_LANDMARKS, rotation_from_angles

_MEAN = MEAN_FACE_3D.astype(np.float64)
_INNER = np.arange(17, N_LANDMARKS)
# Contour points that slide (the chin, 8, stays), and how far in (fraction of the point's |x|)
# each one's contour line may reach before it would run into the eyes, nose or mouth.
_CONTOUR_REACH = {0: 0.75, 1: 0.4, 2: 0.35, 3: 0.55, 4: 0.55, 5: 0.5, 6: 0.5, 7: 0.5}
_CONTOUR = [i for i in range(17) if i != 8]
_LINE_SAMPLES = 7  # samples per contour line, the contour point included
# Rough head ellipsoid (mm, head space) for forehead and shell: centre and radii.
_HEAD_C = np.array([0.0, 10.0, 62.0])
_HEAD_R = np.array([80.0, 112.0, 84.0])
# The turn's pivot (mm, head space): on the neck axis, behind the ears' front.
_PIVOT = np.array([0.0, 30.0, 80.0])
FILLS = ("stretch", "blur", "inpaint", "texture")


def _reach(i: int) -> float:
    return _CONTOUR_REACH[i if i < 8 else 16 - i]


@dataclass(frozen=True)
class HeadFit:
    """A face's weak-perspective fit: ``u = scale * (rotation @ X)[:2] + offset`` for head-space X (mm)."""

    rotation: np.ndarray  # (3, 3) float64, head space to camera
    scale: float  # pixels per mm
    offset: np.ndarray  # (2,) float64 pixels
    yaw: float
    pitch: float
    roll: float

    def camera(self, head: np.ndarray) -> np.ndarray:
        """``(N, 3)`` camera-space points (pixels; z away from the camera) of head-space ``(N, 3)`` mm."""
        cam = self.scale * (np.asarray(head, np.float64) @ self.rotation.T)
        cam[:, :2] += self.offset
        return cam


def fit_head(points: np.ndarray, frame_size: tuple[int, int]) -> HeadFit:
    """Fit the mean face to ``(68, 2)`` points in a ``(width, height)`` frame.

    The rotation is :func:`facefilter.pose.estimate_pose`'s; scale and offset are the least-squares
    weak-perspective fit of the rotated mean face's inner points (17-67) to the given ones.
    """
    pts = np.asarray(points, np.float64)
    # A long focal length (8x the frame): near-orthographic, as the weak-perspective model assumes.
    pose = estimate_pose(pts, frame_size, focal=8.0 * max(frame_size))
    rot = np.asarray(pose.rotation, np.float64)
    proj = (_MEAN[_INNER] @ rot.T)[:, :2]
    a, b = proj - proj.mean(0), pts[_INNER] - pts[_INNER].mean(0)
    scale = float((a * b).sum() / max((a * a).sum(), 1e-9))
    offset = pts[_INNER].mean(0) - scale * proj.mean(0)
    return HeadFit(rot, scale, offset, pose.yaw, pose.pitch, pose.roll)


def _contour_line(i: int, depth: float) -> np.ndarray:
    """``(K, 3)`` head-space samples (mm) of contour point ``i``'s horizontal line, from a
    quarter-turn behind the point (hidden on a frontal face) in to its reach: an ellipse arc
    through the 3-D point whose front end lies on the cheek (z ~ 0, the chin's depth low down)."""
    x, y, z = _MEAN[i]
    z = z * depth
    a = abs(x)
    reach = _reach(i)
    phi_end = math.acos(reach)
    z_end = min(z, _MEAN[8, 2] * depth) if i in (6, 7, 9, 10) else 0.0
    b = max(z - z_end, 1.0) / math.sin(phi_end)
    phi = np.concatenate([np.linspace(-0.5, 0.0, 4)[:-1], np.linspace(0.0, phi_end, _LINE_SAMPLES)])
    sx = -1.0 if x < 0 else 1.0
    return np.stack([sx * a * np.cos(phi), np.full_like(phi, y), z - b * np.sin(phi)], axis=1)


def _shell_points() -> np.ndarray:
    """``(M, 3)`` head-space points (mm): forehead rows and a rim for hair, ears and neck."""
    c, r = _HEAD_C, _HEAD_R
    out = []
    for y, half in ((-38.0, 52.0), (-58.0, 50.0), (-78.0, 42.0)):
        for x in np.linspace(-half, half, 7):
            q = 1.0 - (x / r[0]) ** 2 - ((y - c[1]) / r[1]) ** 2
            out.append((x, y, c[2] - r[2] * math.sqrt(max(q, 0.05))))
    for t in np.linspace(-math.pi, 0.0, 13):  # upper rim: the ellipsoid's frontal silhouette
        out.append((r[0] * 1.02 * math.cos(t), c[1] + r[1] * math.sin(t) * 1.02, c[2]))
    for i in range(2, 15):  # lower rim: outside the jaw, toward the neck
        p = _MEAN[i].copy()
        d = p[:2] - np.array([0.0, 45.0])
        out.append((d[0] * 1.18, 45.0 + d[1] * 1.18, p[2] + 25.0))
    return np.asarray(out, np.float64)


_SHELL = _shell_points()
_LINES = {i: _contour_line(i, 1.0) for i in _CONTOUR}  # at another depth scale: z times the scale
_GRIDS: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    if (h, w) not in _GRIDS:
        _GRIDS.clear()
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        _GRIDS[h, w] = (yy, xx)
    return _GRIDS[h, w]


@dataclass
class Synthesis:
    """One synthesised face: the picture, its 68 points and the rotation applied."""

    image: np.ndarray
    points: np.ndarray  # (68, 2) float32 pixels
    yaw: float  # target yaw (deg, HeadPose convention: > 0 nose to the image right)
    pitch: float
    revealed: np.ndarray  # (H, W) bool: pixels filled because the turn revealed them
    fill: str


def _border_anchors(w: int, h: int, per_side: int = 5) -> np.ndarray:
    t = np.linspace(0.0, 1.0, per_side + 1)[:-1]
    x1, y1 = w - 1.0, h - 1.0
    top = np.stack([t * x1, np.zeros_like(t)], 1)
    right = np.stack([np.full_like(t, x1), t * y1], 1)
    bottom = np.stack([x1 - t * x1, np.full_like(t, y1)], 1)
    left = np.stack([np.zeros_like(t), y1 - t * y1], 1)
    return np.concatenate([top, right, bottom, left])


def _inside(poly: np.ndarray, pts: np.ndarray, margin: float) -> np.ndarray:
    hull = cv2.convexHull(poly.astype(np.float32))
    return np.array([cv2.pointPolygonTest(hull, (float(x), float(y)), True) > -margin for x, y in pts])


class ProfileSynth:
    """Turns faces: ``synth(image, points, rng)`` -> :class:`Synthesis` (or ``None`` if the fit fails).

    ``max_yaw`` / ``max_pitch`` (degrees) bound the target pose (relative to the camera); the
    target yaw is drawn with most of its weight on large turns (``|yaw| >= min_yaw``).
    ``depth_jitter`` scales the mean face's depth per face by ``exp(U(-j, j))``; with
    ``work_side`` a larger picture is first area-downscaled to that longer side (speed: the
    result is then that size, points scaled with it).
    """

    def __init__(self, max_yaw: float = 75.0, max_pitch: float = 30.0, min_yaw: float = 20.0,
                 depth_jitter: float = 0.15, work_side: int | None = None) -> None:
        if not 0.0 <= max_yaw <= 89.0 or not 0.0 <= max_pitch <= 60.0:
            raise ValueError(f"max_yaw must be in [0, 89] and max_pitch in [0, 60], got {max_yaw}, {max_pitch}")
        self.max_yaw, self.max_pitch = float(max_yaw), float(max_pitch)
        self.min_yaw = float(min(min_yaw, max_yaw))
        self.depth_jitter = float(depth_jitter)
        self.work_side = work_side

    def __call__(self, image: np.ndarray, points: np.ndarray, rng: np.random.Generator) -> Synthesis | None:
        yaw = float(rng.uniform(self.min_yaw, self.max_yaw)) * (1.0 if rng.random() < 0.5 else -1.0)
        pitch = float(rng.uniform(-self.max_pitch, self.max_pitch))
        side = max(image.shape[:2])
        if self.work_side and side > self.work_side:  # render at about the network's resolution
            f = self.work_side / side
            image = cv2.resize(image, (round(image.shape[1] * f), round(image.shape[0] * f)),
                               interpolation=cv2.INTER_AREA)
            points = (np.asarray(points, np.float64) + 0.5) * f - 0.5
        try:
            return self.render(image, points, yaw, pitch, rng)
        except (ValueError, cv2.error, np.linalg.LinAlgError):
            return None

    def render(self, image: np.ndarray, points: np.ndarray, yaw: float, pitch: float,
               rng: np.random.Generator | None = None, fill: str | None = None,
               relative: bool = False) -> Synthesis:
        """Turn the face to ``yaw``/``pitch`` (degrees; relative to its own pose if ``relative``).

        ``fill`` picks how revealed pixels are filled (one of :data:`FILLS`; random when None).
        Without ``rng`` the face keeps the mean depth and the fill defaults to ``"stretch"``.
        """
        img = np.asarray(image)
        h, w = img.shape[:2]
        pts = np.asarray(points, np.float64)
        if pts.shape != (N_LANDMARKS, 2):
            raise ValueError(f"points must have shape (68, 2), got {pts.shape}")
        fit = fit_head(pts, (w, h))
        depth = float(np.exp(rng.uniform(-self.depth_jitter, self.depth_jitter))) if rng is not None else 1.0

        # Camera-space vertices (x, y = source pixel, z = depth in pixels) and their kinds.
        head = _MEAN * np.array([1.0, 1.0, depth])
        cam68 = fit.camera(head)
        cam68[:, :2] = pts
        verts = [cam68]
        lines: dict[int, list[int]] = {}
        n = N_LANDMARKS
        hull_face = pts[np.r_[0:27]]
        for i in _CONTOUR:
            line = fit.camera(_LINES[i] * np.array([1.0, 1.0, depth]))
            # The source silhouette: the sample furthest out along the head's x axis (in the image).
            ax = fit.rotation[:2, 0] / max(np.linalg.norm(fit.rotation[:2, 0]), 1e-9)
            side = -1.0 if i < 8 else 1.0
            k0 = int(np.argmax(side * (line[:, :2] @ ax)))
            line[:, :2] += pts[i] - line[k0, :2]
            inner = line[k0 + 1:]
            used = np.concatenate([v[:, :2] for v in verts])
            keep = np.linalg.norm(inner[:, None, :2] - used[None], axis=2).min(1) > 1.0 if len(inner) else []
            inner = inner[keep]
            lines[i] = [i] + list(range(n, n + len(inner)))
            verts.append(inner)
            n += len(inner)
        n_surface = n  # the 68 points and the contour lines: the face itself
        shell = fit.camera(_SHELL * np.array([1.0, 1.0, depth]))
        all2d = np.concatenate(verts)[:, :2]
        far = np.linalg.norm(shell[:, None, :2] - all2d[None], axis=2).min(1) > 2.0
        inside = (shell[:, 0] >= 0) & (shell[:, 0] <= w - 1) & (shell[:, 1] >= 0) & (shell[:, 1] <= h - 1)
        # Forehead points must be above the brows; rim points outside the face outline.
        n_fore = 21
        is_rim = np.arange(len(shell)) >= n_fore
        outside = ~_inside(hull_face, shell[:, :2], margin=2.0)
        shell = shell[far & inside & (outside | ~is_rim)]
        n_shell = len(shell)
        verts.append(shell)
        n += n_shell
        anchors = _border_anchors(w, h)
        verts.append(np.concatenate([anchors, np.full((len(anchors), 1), np.nan)], axis=1))
        cam = np.concatenate(verts)
        n_head = n
        src = cam[:, :2].copy()

        # The turn: about the pivot, in camera space; the border stays.
        target = rotation_from_angles(yaw, pitch, fit.roll)
        if relative:
            target = rotation_from_angles(fit.yaw + yaw, fit.pitch + pitch, fit.roll)
        turn = target @ fit.rotation.T
        pivot = fit.camera((_PIVOT * np.array([1.0, 1.0, depth]))[None])[0]
        pivot[:2] = cam68[27:36, :2].mean(0) + (pivot[:2] - fit.camera(head[27:36]).mean(0)[:2])
        dst = src.copy()
        moved = (cam[:n_head] - pivot) @ turn.T + pivot
        dst[:n_head] = moved[:, :2]
        z = np.full(len(cam), np.inf)
        z[:n_head] = moved[:, 2]

        tri = Delaunay(src).simplices
        out, revealed = _render(img, src, dst, z, tri, n_head, n_surface)

        # Landmarks: inner points move with the mesh; outline points go to the silhouette.
        new = dst[:N_LANDMARKS].copy()
        ax = (target[:2, 0]) / max(np.linalg.norm(target[:2, 0]), 1e-9)
        for i in _CONTOUR:
            idx = np.asarray(lines[i])
            side = -1.0 if i < 8 else 1.0
            new[i] = dst[idx[int(np.argmax(side * (dst[idx] @ ax)))]]
        if not (np.isfinite(new).all() and (new >= 0).all() and (new[:, 0] <= w - 1).all()
                and (new[:, 1] <= h - 1).all()):
            raise ValueError("turned points leave the picture")
        if fill is None:
            fill = str(rng.choice(FILLS)) if rng is not None else "stretch"
        out = _fill(out, revealed, fill, rng if rng is not None else np.random.default_rng(0))
        return Synthesis(out, new.astype(np.float32), yaw, pitch, revealed, fill)


def _render(img: np.ndarray, src: np.ndarray, dst: np.ndarray, z: np.ndarray, tri: np.ndarray,
            n_head: int, n_surface: int) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise-affine warp of ``img`` by the mesh ``tri`` from ``src`` to ``dst`` vertices.

    Triangles with a border vertex are background, drawn first; the rest far to near by mean
    ``z``, dropping those whose orientation flips (their back faces the camera). Returns the
    picture and the mask of pixels (revealed) in background or shell triangles (a vertex at index
    ``n_surface`` or above) stretched to over 1.6x their area, or in no triangle.
    """
    h, w = img.shape[:2]
    bg = (tri >= n_head).any(1)
    order = np.concatenate([np.flatnonzero(bg), np.flatnonzero(~bg)[np.argsort(-z[tri[~bg]].mean(1))]])

    def area(p: np.ndarray) -> np.ndarray:
        a, b, c = p[:, 0], p[:, 1], p[:, 2]
        return 0.5 * ((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))

    sa, da = area(src[tri]), area(dst[tri])
    front = np.sign(sa) == np.sign(da)
    ids = np.full((h, w), -1, np.int32)
    for t in order:
        if not bg[t] and (not front[t] or abs(da[t]) < 1e-6):
            continue
        poly = np.round(dst[tri[t]] * 16).astype(np.int32)
        cv2.fillConvexPoly(ids, poly, int(t), lineType=cv2.LINE_8, shift=4)
    # dest -> source affine per triangle
    m = np.concatenate([dst[tri], np.ones((len(tri), 3, 1))], axis=2)  # (T, 3, 3) rows [x, y, 1]
    ok = np.abs(np.linalg.det(m)) > 1e-9
    m[~ok] = np.eye(3)
    s_pts = src[tri].copy()
    s_pts[~ok] = np.eye(3)[:, :2]
    affs = np.transpose(np.linalg.solve(m, s_pts), (0, 2, 1))  # (T, 2, 3) dest -> source
    yy, xx = _grid(h, w)
    valid = ids >= 0
    a = affs.astype(np.float32)[np.maximum(ids, 0)]
    mx = a[..., 0, 0] * xx + a[..., 0, 1] * yy + a[..., 0, 2]
    my = a[..., 1, 0] * xx + a[..., 1, 1] * yy + a[..., 1, 2]
    mx = np.where(valid, mx, xx)
    my = np.where(valid, my, yy)
    out = cv2.remap(img, mx, my, cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REFLECT101)
    stretch = np.abs(da) / np.maximum(np.abs(sa), 1e-6)
    stretched = (stretch > 1.6) & (tri >= n_surface).any(1)
    revealed = ~valid | stretched[np.maximum(ids, 0)] & valid
    return out, revealed


def _fill(img: np.ndarray, mask: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray:
    """Replace the ``mask`` pixels of ``img`` by one of :data:`FILLS` (feathered edge)."""
    if kind not in FILLS:
        raise ValueError(f"fill must be one of {', '.join(FILLS)}, got {kind!r}")
    if kind == "stretch" or not mask.any():
        return img
    h, w = img.shape[:2]
    if kind == "blur":
        s = float(rng.uniform(4.0, 12.0))
        other = cv2.GaussianBlur(img, (0, 0), s)
    elif kind == "inpaint":
        f = 4
        small = cv2.resize(img, (max(w // f, 8), max(h // f, 8)), interpolation=cv2.INTER_AREA)
        m = cv2.resize(mask.astype(np.uint8) * 255, small.shape[1::-1], interpolation=cv2.INTER_NEAREST)
        m = cv2.dilate(m, np.ones((3, 3), np.uint8))
        other = cv2.resize(cv2.inpaint(small, m, 3, cv2.INPAINT_TELEA), (w, h), interpolation=cv2.INTER_LINEAR)
    else:  # texture: smooth random noise mixed with the stretched pixels
        cells = int(rng.integers(3, 24))
        noise = rng.uniform(0, 255, (cells, cells) + img.shape[2:]).astype(np.float32)
        noise = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC).reshape(img.shape)
        fine = rng.normal(0, rng.uniform(2, 20), img.shape).astype(np.float32)
        mix = float(rng.uniform(0.3, 0.9))
        other = np.clip(mix * noise + (1 - mix) * img.astype(np.float32) + fine, 0, 255).astype(np.uint8)
    alpha = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 2.0)
    if img.ndim == 3:
        alpha = alpha[..., None]
    return np.clip(alpha * other.astype(np.float32) + (1 - alpha) * img.astype(np.float32), 0, 255).astype(np.uint8)
