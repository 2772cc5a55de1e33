"""Drawing premultiplied-alpha sprites, meshes and pixel warps onto BGR frames.

Conventions:

* Frames are HxWx3 ``uint8`` BGR and are modified **in place** by the ``draw_*`` functions here
  (:class:`facefilter.filters.Filter` copies the camera frame once, then draws on the copy).
* Sprites are HxWx4 ``uint8`` BGRA with **premultiplied** alpha (colour already multiplied by
  alpha). Resampling premultiplied pixels is what keeps edges free of dark fringes: a transparent
  black pixel no longer drags the colour of its opaque neighbour towards black.
* Matrices map sprite pixels to frame pixels (see :mod:`facefilter.filters.geometry`).
* Every function works on the clipped region of interest only: a sprite that is partly or
  wholly outside the frame costs only what is visible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from facefilter.filters import geometry

Roi = tuple[int, int, int, int]  # (x0, y0, width, height) in frame pixels


def premultiply(bgra: np.ndarray) -> np.ndarray:
    """Straight-alpha BGRA ``uint8`` (as stored in PNG) -> premultiplied BGRA ``uint8``."""
    if bgra.ndim != 3 or bgra.shape[2] != 4 or bgra.dtype != np.uint8:
        raise ValueError(f"expected an HxWx4 uint8 BGRA image, got {bgra.shape} {bgra.dtype}")
    a = bgra[..., 3:4].astype(np.float32) / 255.0
    out = np.empty_like(bgra)
    out[..., :3] = np.clip(bgra[..., :3] * a + 0.5, 0, 255).astype(np.uint8)
    out[..., 3] = bgra[..., 3]
    return out


def to_bgra(image: np.ndarray) -> np.ndarray:
    """Any image ``cv2.imread(..., IMREAD_UNCHANGED)`` returns -> straight-alpha BGRA ``uint8``.

    Grey, grey+alpha and BGR images become opaque or keep their alpha; 16-bit images are scaled.
    """
    img = np.asarray(image)
    if img.dtype == np.uint16:
        img = (img.astype(np.float32) / 257.0 + 0.5).astype(np.uint8)
    elif img.dtype != np.uint8:
        raise ValueError(f"unsupported image dtype {img.dtype} (expected 8- or 16-bit)")
    if img.ndim == 2:
        img = img[..., None]
    if img.ndim != 3:
        raise ValueError(f"unsupported image shape {img.shape}")
    c = img.shape[2]
    if c == 1:
        return cv2.cvtColor(img[..., 0], cv2.COLOR_GRAY2BGRA)
    if c == 2:
        bgr = cv2.cvtColor(np.ascontiguousarray(img[..., 0]), cv2.COLOR_GRAY2BGR)
        return np.dstack([bgr, img[..., 1]])
    if c == 3:
        return cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
    if c == 4:
        return np.ascontiguousarray(img)
    raise ValueError(f"unsupported number of channels {c}")


@dataclass(frozen=True)
class Sprite:
    """A premultiplied BGRA image with a mip pyramid (level k = 2^k times smaller), for minification.

    ``width`` and ``height`` are those of the original image; the levels are padded with
    transparent pixels to a multiple of 2^k so every level covers exactly the same area.
    """

    levels: tuple[np.ndarray, ...]
    width: int
    height: int

    @classmethod
    def from_bgra(cls, bgra: np.ndarray, *, premultiplied: bool = False, max_levels: int = 6) -> Sprite:
        """Build from a straight-alpha BGRA ``uint8`` image (or an already premultiplied one)."""
        pm = np.ascontiguousarray(bgra) if premultiplied else premultiply(bgra)
        h, w = pm.shape[:2]
        n = 1
        while n < max_levels and min(w, h) >> n >= 8:
            n += 1
        step = 1 << (n - 1)
        ph, pw = -h % step, -w % step
        base = cv2.copyMakeBorder(pm, 0, ph, 0, pw, cv2.BORDER_CONSTANT, value=0) if ph or pw else pm
        levels = [pm]
        cur = base
        for _ in range(1, n):
            cur = cv2.resize(cur, (cur.shape[1] // 2, cur.shape[0] // 2), interpolation=cv2.INTER_AREA)
            levels.append(cur)
        for lv in levels:
            lv.setflags(write=False)
        return cls(tuple(levels), w, h)

    def level_for(self, linear: np.ndarray) -> int:
        """The pyramid level to sample for the ``(2, 2)`` sprite->frame linear part ``linear``.

        The coarsest level still at least as fine as the frame along the sprite's more stretched
        axis, so downscaled stickers are filtered instead of aliased.
        """
        smax = float(np.linalg.svd(np.asarray(linear, np.float64)[:2, :2], compute_uv=False)[0])
        if not smax > 0:
            return 0
        return min(len(self.levels) - 1, max(0, math.floor(-math.log2(smax) + 1e-9)))


def level_to_base(k: int) -> np.ndarray:
    """``(3, 3)`` matrix from level-``k`` pixels to level-0 pixels.

    Level-k pixel u covers level-0 pixels [2^k u, 2^k u + 2^k), whose centre is 2^k u + (2^k - 1) / 2.
    """
    f = float(1 << k)
    return np.array([[f, 0.0, (f - 1) / 2], [0.0, f, (f - 1) / 2], [0.0, 0.0, 1.0]])


def frame_roi(points: np.ndarray, shape: tuple[int, ...], margin: int = 1) -> Roi | None:
    """The integer box covering ``points`` (plus ``margin``) clipped to a frame of ``shape``; None if empty."""
    pts = np.asarray(points, dtype=np.float64)
    if not np.isfinite(pts).all():
        return None
    h, w = shape[:2]
    x0 = max(0, int(math.floor(pts[:, 0].min())) - margin)
    y0 = max(0, int(math.floor(pts[:, 1].min())) - margin)
    x1 = min(w, int(math.ceil(pts[:, 0].max())) + margin + 1)
    y1 = min(h, int(math.ceil(pts[:, 1].max())) + margin + 1)
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1 - x0, y1 - y0


def blend_premultiplied(dst: np.ndarray, src: np.ndarray, opacity: float = 1.0) -> None:
    """``dst = src * opacity + dst * (1 - alpha * opacity)``, in place; ``src`` premultiplied BGRA.

    ``dst`` is HxWx3 ``uint8`` (a view into the frame is fine), ``src`` HxWx4 ``uint8`` of the
    same size. Integer arithmetic with OpenCV's rounding saturating ops: within 1 of the exact
    result (exact for ``opacity == 1``).
    """
    if src.shape[:2] != dst.shape[:2] or src.ndim != 3 or src.shape[2] != 4:
        raise ValueError(f"blend: src {src.shape} must be BGRA of the size of dst {dst.shape}")
    op = min(max(float(opacity), 0.0), 1.0)  # (np.clip costs microseconds on a scalar)
    if op <= 0.0 or src.size == 0:
        return
    if op < 1.0:
        src = cv2.multiply(src, (op, op, op, op))
    # dst - round(dst * alpha / 255) is round(dst * (255 - alpha) / 255) (the two roundings sum to
    # dst), done in place in the frame: one operation fewer than multiplying by 255 - alpha.
    alpha = cv2.cvtColor(cv2.extractChannel(src, 3), cv2.COLOR_GRAY2BGR)
    packed = dst.strides[1:] == (3, 1)  # OpenCV writes in place only into rows of packed pixels
    out = dst if packed else np.ascontiguousarray(dst)
    cv2.subtract(out, cv2.multiply(out, alpha, scale=1.0 / 255.0), dst=out)
    cv2.add(out, cv2.cvtColor(src, cv2.COLOR_BGRA2BGR), dst=out)
    if not packed:
        np.copyto(dst, out)


def sprite_corners(width: int, height: int) -> np.ndarray:
    """The outer corners of a ``width`` x ``height`` image in pixel-centre coordinates, ``(4, 2)``."""
    return np.array([[-0.5, -0.5], [width - 0.5, -0.5], [width - 0.5, height - 0.5], [-0.5, height - 0.5]])


def draw_affine(frame: np.ndarray, sprite: Sprite, matrix: np.ndarray, opacity: float = 1.0) -> Roi | None:
    """Draw ``sprite`` mapped by the ``(2, 3)`` sprite->frame ``matrix`` onto ``frame``, in place.

    Bilinear resampling of the premultiplied sprite (from the mip level that fits the scale),
    only over the visible part. Returns the frame region touched, or None if nothing was visible.
    """
    m = np.asarray(matrix, dtype=np.float64)
    roi = frame_roi(geometry.apply_affine(m, sprite_corners(sprite.width, sprite.height)), frame.shape)
    if roi is None or opacity <= 0:
        return None
    x0, y0, w, h = roi
    k = sprite.level_for(m[:, :2])
    mk = m @ level_to_base(k)
    mk[:, 2] -= (x0, y0)
    warped = cv2.warpAffine(
        sprite.levels[k], mk, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )
    blend_premultiplied(frame[y0 : y0 + h, x0 : x0 + w], warped, opacity)
    return roi


def draw_perspective(frame: np.ndarray, sprite: Sprite, h: np.ndarray, opacity: float = 1.0) -> Roi | None:
    """Draw ``sprite`` mapped by the ``(3, 3)`` sprite->frame homography ``h`` onto ``frame``, in place.

    The sprite's corners must stay in front of the camera (positive w), which holds for the
    mild perspective of face quads.
    """
    hm = np.asarray(h, dtype=np.float64)
    corners = sprite_corners(sprite.width, sprite.height)
    w_h = corners @ hm[2, :2] + hm[2, 2]
    if (w_h <= 1e-9).any():
        return None
    roi = frame_roi(geometry.apply_homography(hm, corners), frame.shape)
    if roi is None or opacity <= 0:
        return None
    x0, y0, w, hh = roi
    # Mip level from the linear part at the sprite's centre.
    c = np.array([(sprite.width - 1) / 2, (sprite.height - 1) / 2])
    wc = c @ hm[2, :2] + hm[2, 2]
    pc = geometry.apply_homography(hm, c[None])[0]
    jac = (hm[:2, :2] - np.outer(pc, hm[2, :2])) / wc
    k = sprite.level_for(jac)
    shift = np.array([[1.0, 0.0, -x0], [0.0, 1.0, -y0], [0.0, 0.0, 1.0]])
    hk = shift @ hm @ level_to_base(k)
    warped = cv2.warpPerspective(
        sprite.levels[k], hk, (w, hh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )
    blend_premultiplied(frame[y0 : y0 + hh, x0 : x0 + w], warped, opacity)
    return roi


def mesh_maps(
    src_points: np.ndarray, dst_points: np.ndarray, triangles: np.ndarray, roi: Roi, step: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Inverse maps of a piecewise-affine warp over ``roi``: for each frame pixel, its texture pixel.

    Each triangle of ``dst_points`` (frame pixels) is rasterised with its index, then every pixel
    reads its triangle's frame->texture affine matrix. Pixels outside every triangle map to
    ``-1e4`` (transparent). With ``step=2`` the maps are evaluated on every other pixel and
    interpolated bilinearly: exact inside triangles (the map is affine there), continuous across
    their edges (so is the warp), about 4x cheaper for large faces; samples just outside the
    triangles borrow a neighbour's matrix so the interpolation does not smear the border.
    Returns float32 ``(map_x, map_y)`` shaped ``(height, width)``.
    """
    x0, y0, w, h = roi
    tris = np.asarray(triangles)
    inv = geometry.triangle_affines(dst_points, src_points, tris)  # frame -> texture, (T, 2, 3)
    sw, sh = -(-w // step), -(-h // step)
    off = (step - 1) / 2  # sample (i, j) sits at frame pixel (x0 + step j + off, y0 + step i + off)
    ids = np.zeros((sh, sw), np.uint16)
    fixed = np.round((np.asarray(dst_points, np.float64) - (x0 + off, y0 + off)) / step * 16).astype(np.int32)
    flat = ~inv.reshape(len(tris), 6).any(1)  # degenerate in the frame (e.g. closed lips): nothing to draw
    for i, t in enumerate(tris):  # fillConvexPoly covers the samples whose centres are inside
        if not flat[i]:
            cv2.fillConvexPoly(ids, fixed[t], i + 1, lineType=cv2.LINE_8, shift=4)
    if step > 1:
        ids = np.where(ids == 0, cv2.dilate(ids, np.ones((3, 3), np.uint8)), ids)
    coef = np.concatenate([np.zeros((1, 6)), inv.reshape(-1, 6)]).astype(np.float32)
    coef[0, 2] = coef[0, 5] = -1e4
    c = coef[ids]  # (sh, sw, 6)
    xs = (x0 + off + step * np.arange(sw, dtype=np.float32))[None, :]
    ys = (y0 + off + step * np.arange(sh, dtype=np.float32))[:, None]
    map_x = c[..., 0] * xs + c[..., 1] * ys + c[..., 2]
    map_y = c[..., 3] * xs + c[..., 4] * ys + c[..., 5]
    if step > 1:
        size = (sw * step, sh * step)
        map_x = cv2.resize(map_x, size, interpolation=cv2.INTER_LINEAR)[:h, :w]
        map_y = cv2.resize(map_y, size, interpolation=cv2.INTER_LINEAR)[:h, :w]
    return map_x, map_y


def draw_mesh(
    frame: np.ndarray,
    texture: Sprite,
    texture_points: np.ndarray,
    frame_points: np.ndarray,
    triangles: np.ndarray,
    opacity: float = 1.0,
    scale: float | None = None,
    map_step: int | None = None,
) -> Roi | None:
    """Draw a texture bent piecewise-affinely from ``texture_points`` onto ``frame_points``, in place.

    ``texture_points`` are in the pixels of ``texture``'s level 0; both point sets are ``(N, 2)``;
    ``triangles`` ``(T, 3)`` index them (pass only the triangles where the texture is not
    transparent: the rest costs time and draws nothing). ``scale`` (frame pixels per texture
    pixel) picks the mip level; estimated from the points when None. ``map_step`` is passed to
    :func:`mesh_maps` (None: 2 for regions over 200x200 pixels, else 1). Returns the region touched.
    """
    fp = np.asarray(frame_points, np.float64)
    tris = np.asarray(triangles)
    if len(tris) == 0 or opacity <= 0:
        return None
    roi = frame_roi(fp[np.unique(tris)], frame.shape, margin=0)
    if roi is None:
        return None
    tp = np.asarray(texture_points, np.float64)
    if scale is None:
        scale = float(np.sqrt(fp.var(0).sum() / max(tp.var(0).sum(), 1e-12)))
    k = texture.level_for(np.eye(2) * scale)
    f = float(1 << k)
    step = map_step or (2 if roi[2] * roi[3] > 40_000 else 1)
    map_x, map_y = mesh_maps((tp - (f - 1) / 2) / f, fp, tris, roi, step)
    x0, y0, w, h = roi
    warped = cv2.remap(texture.levels[k], map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    blend_premultiplied(frame[y0 : y0 + h, x0 : x0 + w], warped, opacity)
    return roi


def active_triangles(texture: Sprite, texture_points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """The triangles under which ``texture`` has any non-transparent pixel (with a 2-pixel margin)."""
    alpha = cv2.dilate(texture.levels[0][..., 3], np.ones((5, 5), np.uint8))
    ids = np.zeros(alpha.shape, np.int32)
    fixed = np.round(np.asarray(texture_points, np.float64) * 16).astype(np.int32)
    for i, t in enumerate(np.asarray(triangles)):
        cv2.fillConvexPoly(ids, fixed[t], i + 1, lineType=cv2.LINE_8, shift=4)
    used = np.unique(ids[alpha > 0])
    return np.asarray(triangles)[used[used > 0] - 1]


def remap_region(frame: np.ndarray, roi: Roi, map_x: np.ndarray, map_y: np.ndarray) -> None:
    """Replace ``frame``'s ``roi`` by the frame sampled at ``(map_x, map_y)`` (absolute pixels), in place.

    Samples from the frame as it was before the call; pixels mapping outside replicate the border.
    """
    x0, y0, w, h = roi
    # remap writes a new array, so reading the frame while building it is safe.
    out = cv2.remap(frame, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    frame[y0 : y0 + h, x0 : x0 + w] = out
