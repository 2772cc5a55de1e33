"""Pure-numpy geometry for placing stickers and meshes on 68-point faces (pixel warps: :mod:`.warps`).

Conventions (the same as :mod:`facefilter.types`):

* Points are ``(N, 2)`` float arrays of pixel coordinates, origin at the centre of the top-left
  pixel, x to the right, y down.
* A ``(2, 3)`` affine matrix ``M`` *maps src to dst*: ``dst = M[:, :2] @ src + M[:, 2]``
  (OpenCV's ``warpAffine`` convention for the forward matrix).
* A ``(3, 3)`` homography ``H`` maps homogeneous ``[x, y, 1]`` columns the same way.
* The *template* is a canonical frontal face in units of the inter-ocular distance: the outer eye
  corners (36, 45) sit at ``(-0.5, 0)`` and ``(0.5, 0)``; y grows towards the chin.

Nothing here imports OpenCV: these functions are easy to test against cv2.
"""

from __future__ import annotations

import functools

import numpy as np

from facefilter.types import N_LANDMARKS


class GeometryError(ValueError):
    """Degenerate input: coincident or collinear control points, a singular matrix."""


# Median 300-W training shape (2,012 faces), Procrustes-aligned on the rigid points (brows, nose,
# eyes), made left/right symmetric, in inter-ocular units (see the module docstring).
TEMPLATE_68 = np.array(
    [
        [-0.8010, 0.0244],
        [-0.7885, 0.2336],
        [-0.7597, 0.4417],
        [-0.7234, 0.6468],
        [-0.6487, 0.8414],
        [-0.5298, 1.0142],
        [-0.3752, 1.1606],
        [-0.1982, 1.2766],
        [0.0000, 1.3074],
        [0.1982, 1.2766],
        [0.3752, 1.1606],
        [0.5298, 1.0142],
        [0.6487, 0.8414],
        [0.7234, 0.6468],
        [0.7597, 0.4417],
        [0.7885, 0.2336],
        [0.8010, 0.0244],
        [-0.6647, -0.1538],
        [-0.5579, -0.2354],
        [-0.4158, -0.2586],
        [-0.2744, -0.2390],
        [-0.1383, -0.1862],
        [0.1383, -0.1862],
        [0.2744, -0.2390],
        [0.4158, -0.2586],
        [0.5579, -0.2354],
        [0.6647, -0.1538],
        [0.0000, -0.0171],
        [0.0000, 0.1248],
        [0.0000, 0.2667],
        [0.0000, 0.4135],
        [-0.1629, 0.4993],
        [-0.0840, 0.5293],
        [0.0000, 0.5564],
        [0.0840, 0.5293],
        [0.1629, 0.4993],
        [-0.5000, 0.0000],
        [-0.4106, -0.0510],
        [-0.3038, -0.0491],
        [-0.2155, 0.0219],
        [-0.3134, 0.0408],
        [-0.4187, 0.0383],
        [0.2155, 0.0219],
        [0.3038, -0.0491],
        [0.4106, -0.0510],
        [0.5000, 0.0000],
        [0.4187, 0.0383],
        [0.3134, 0.0408],
        [-0.3112, 0.7603],
        [-0.1969, 0.7104],
        [-0.0809, 0.6850],
        [0.0000, 0.7062],
        [0.0809, 0.6850],
        [0.1969, 0.7104],
        [0.3112, 0.7603],
        [0.2003, 0.8675],
        [0.0872, 0.9188],
        [0.0000, 0.9274],
        [-0.0872, 0.9188],
        [-0.2003, 0.8675],
        [-0.2616, 0.7662],
        [-0.0818, 0.7575],
        [0.0000, 0.7655],
        [0.0818, 0.7575],
        [0.2616, 0.7662],
        [0.0828, 0.8095],
        [0.0000, 0.8193],
        [-0.0828, 0.8095],
    ],
    dtype=np.float64,
)

# Points that move little with expression: brows, nose, eyes. Faces are aligned on these.
RIGID_POINTS = tuple(range(17, 48))

# Extended point set used by meshes: the 68 landmarks, then FOREHEAD (one point above each brow
# point 17..26), then BORDER (jaw 0..16 and forehead points pushed outwards by BORDER_MARGIN).
N_FOREHEAD = 10
N_BORDER = 17 + N_FOREHEAD
N_EXTENDED = N_LANDMARKS + N_FOREHEAD + N_BORDER
BORDER_MARGIN = 0.3
_BORDER_CENTRE = np.array([0.0, 0.35])  # template point the border is pushed away from (mid nose)


def _forehead_offsets() -> np.ndarray:
    """Template offsets from each brow point (17..26) to the forehead point above it."""
    brows = TEMPLATE_68[17:27]
    x = brows[:, 0]
    above = brows * [0.95, 1.0] + np.stack([np.zeros(10), -0.5 - 0.08 * (1 - (x / 0.665) ** 2)], 1)
    return above - brows


_FOREHEAD_OFFSETS = _forehead_offsets()

# Mesh textures are square images; this much of the template (in inter-ocular units) spans their
# side, centred on TEXTURE_CENTRE. See :func:`template_to_texture`.
TEXTURE_SPAN = 2.9
TEXTURE_CENTRE = (0.0, 0.225)


def as_points(points: np.ndarray, n: int | None = None, name: str = "points") -> np.ndarray:
    """``points`` as a float64 ``(N, 2)`` array, checking the shape (and ``N == n`` when given)."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or (n is not None and len(pts) != n):
        want = f"({n}, 2)" if n is not None else "(N, 2)"
        raise ValueError(f"{name} must have shape {want}, got {pts.shape}")
    return pts


def apply_affine(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map ``(N, 2)`` points with a ``(2, 3)`` affine matrix; returns float64 ``(N, 2)``."""
    m = np.asarray(matrix, dtype=np.float64)
    return as_points(points) @ m[:, :2].T + m[:, 2]


def apply_homography(h: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map ``(N, 2)`` points with a ``(3, 3)`` homography; returns float64 ``(N, 2)``."""
    h = np.asarray(h, dtype=np.float64)
    pts = as_points(points)
    q = pts @ h[:2, :2].T + h[:2, 2]
    w = pts @ h[2, :2] + h[2, 2]
    return q / w[:, None]


def invert_affine(matrix: np.ndarray) -> np.ndarray:
    """The ``(2, 3)`` inverse of an affine matrix (raises :class:`GeometryError` if singular)."""
    m = np.asarray(matrix, dtype=np.float64)
    a = m[:, :2]
    det = np.linalg.det(a)
    if abs(det) < 1e-12:
        raise GeometryError("affine matrix is singular")
    ai = np.linalg.inv(a)
    return np.hstack([ai, -ai @ m[:, 2:]])


def compose_affine(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """``outer ∘ inner``: first ``inner``, then ``outer`` (both ``(2, 3)``)."""
    o = np.asarray(outer, dtype=np.float64)
    i = np.asarray(inner, dtype=np.float64)
    return np.hstack([o[:, :2] @ i[:, :2], o[:, :2] @ i[:, 2:] + o[:, 2:]])


def similarity_from_2(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The rotation + uniform scale + translation mapping 2 ``src`` points exactly onto 2 ``dst``.

    Returns ``(2, 3)`` float64 (src -> dst, no reflection).
    """
    s = as_points(src, 2, "src")
    d = as_points(dst, 2, "dst")
    vs, vd = s[1] - s[0], d[1] - d[0]
    n = vs @ vs
    if n < 1e-12:
        raise GeometryError("similarity_from_2: the two source points coincide")
    # Complex-number ratio vd / vs gives cos*scale (a) and sin*scale (b).
    a = (vs[0] * vd[0] + vs[1] * vd[1]) / n
    b = (vs[0] * vd[1] - vs[1] * vd[0]) / n
    r = np.array([[a, -b], [b, a]])
    return np.hstack([r, (d[0] - r @ s[0])[:, None]])


def similarity_lstsq(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The least-squares similarity (no reflection) mapping ``(N, 2)`` ``src`` onto ``dst``, ``(2, 3)``."""
    s = as_points(src, None, "src")
    d = as_points(dst, len(s), "dst")
    sm, dm = s.mean(0), d.mean(0)
    sc, dc = s - sm, d - dm
    n = float((sc * sc).sum())
    if n < 1e-12:
        raise GeometryError("similarity_lstsq: the source points coincide")
    a = float((sc * dc).sum()) / n
    b = float(sc[:, 0] @ dc[:, 1] - sc[:, 1] @ dc[:, 0]) / n
    tx = dm[0] - (a * sm[0] - b * sm[1])
    ty = dm[1] - (b * sm[0] + a * sm[1])
    return np.array([[a, -b, tx], [b, a, ty]])


def affine_from_3(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The affine matrix mapping 3 ``src`` points exactly onto 3 ``dst`` points, ``(2, 3)`` float64."""
    s = as_points(src, 3, "src")
    d = as_points(dst, 3, "dst")
    a = np.hstack([s, np.ones((3, 1))])
    area = abs(np.linalg.det(a)) / 2
    scale = max(np.ptp(s, axis=0).max(), 1e-12)
    if area < 1e-6 * scale**2:
        raise GeometryError("affine_from_3: the three source points are collinear")
    return np.linalg.solve(a, d).T


def perspective_from_4(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The homography mapping 4 ``src`` points exactly onto 4 ``dst`` points, ``(3, 3)``, ``H[2, 2] = 1``."""
    s = as_points(src, 4, "src")
    d = as_points(dst, 4, "dst")
    for pts, name in ((s, "source"), (d, "destination")):
        scale = max(np.ptp(pts, axis=0).max(), 1e-12)
        for i in range(4):
            tri = np.delete(pts, i, axis=0)
            if abs(np.linalg.det(np.hstack([tri, np.ones((3, 1))]))) < 1e-6 * scale**2:
                raise GeometryError(f"perspective_from_4: three of the {name} points are collinear")
    a = np.zeros((8, 8))
    b = np.zeros(8)
    for i, ((x, y), (u, v)) in enumerate(zip(s, d, strict=True)):
        a[2 * i] = [x, y, 1, 0, 0, 0, -u * x, -u * y]
        a[2 * i + 1] = [0, 0, 0, x, y, 1, -v * x, -v * y]
        b[2 * i], b[2 * i + 1] = u, v
    h = np.linalg.solve(a, b)
    return np.append(h, 1.0).reshape(3, 3)


# ----------------------------------------------------------------------------- faces


def face_similarity(landmarks: np.ndarray) -> np.ndarray:
    """Least-squares similarity from :data:`TEMPLATE_68` to a face, fitted on the rigid points, ``(2, 3)``."""
    lm = as_points(landmarks, N_LANDMARKS, "landmarks")
    idx = list(RIGID_POINTS)
    return similarity_lstsq(TEMPLATE_68[idx], lm[idx])


def face_scale(landmarks: np.ndarray) -> float:
    """The face's size in pixels per template unit (about the inter-ocular distance of a frontal face).

    Fitted on brows, nose and eyes, so it does not change when the mouth opens and shrinks less
    than the eye distance when the head turns.
    """
    m = face_similarity(landmarks)
    return float(np.sqrt(abs(np.linalg.det(m[:, :2]))))


def extend_landmarks(landmarks: np.ndarray, similarity: np.ndarray | None = None) -> np.ndarray:
    """The 68 landmarks plus forehead and border points: float64 ``(N_EXTENDED, 2)``.

    Each forehead point sits above its brow point (17..26) by the template's offset, rotated and
    scaled with the face. Border points push the jaw and forehead points away from the middle of
    the nose by :data:`BORDER_MARGIN`, so meshes reach a little outside the face (beard below
    the chin). ``similarity`` is :func:`face_similarity` of the landmarks when already known.
    """
    lm = as_points(landmarks, N_LANDMARKS, "landmarks")
    m = face_similarity(lm) if similarity is None else similarity
    forehead = lm[17:27] + _FOREHEAD_OFFSETS @ m[:, :2].T
    centre = apply_affine(m, _BORDER_CENTRE[None])[0]
    rim = np.concatenate([lm[:17], forehead])
    border = rim + BORDER_MARGIN * (rim - centre)
    return np.concatenate([lm, forehead, border])


@functools.cache
def extended_template() -> np.ndarray:
    """:func:`extend_landmarks` of the template (template units), ``(N_EXTENDED, 2)``; read-only."""
    pts = extend_landmarks(TEMPLATE_68)
    pts.setflags(write=False)
    return pts


def template_to_texture(size: int) -> np.ndarray:
    """``(2, 3)`` matrix from template units to the pixels of a square ``size`` x ``size`` mesh texture."""
    k = size / TEXTURE_SPAN
    cx, cy = TEXTURE_CENTRE
    return np.array([[k, 0.0, (size - 1) / 2 - k * cx], [0.0, k, (size - 1) / 2 - k * cy]])


def mesh_template(size: int) -> np.ndarray:
    """The extended template points in the pixels of a square mesh texture, ``(N_EXTENDED, 2)``."""
    return apply_affine(template_to_texture(size), extended_template())


def delaunay(points: np.ndarray) -> np.ndarray:
    """Delaunay triangulation (Bowyer-Watson) of ``(N, 2)`` points: ``(T, 3)`` int32, counter-clockwise
    in image coordinates (positive signed area with y down)."""
    pts = as_points(points)
    n = len(pts)
    if n < 3:
        raise GeometryError("delaunay needs at least 3 points")
    lo, hi = pts.min(0), pts.max(0)
    span = max((hi - lo).max(), 1e-9)
    mid = (lo + hi) / 2
    # A super-triangle far outside every point.
    sup = mid + span * np.array([[-20.0, -20.0], [20.0, -20.0], [0.0, 20.0]])
    allp = np.concatenate([pts, sup])
    tris: list[tuple[int, int, int]] = [(n, n + 1, n + 2)]

    def circum(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b, c = allp[t[:, 0]], allp[t[:, 1]], allp[t[:, 2]]
        d = 2 * (a[:, 0] * (b[:, 1] - c[:, 1]) + b[:, 0] * (c[:, 1] - a[:, 1]) + c[:, 0] * (a[:, 1] - b[:, 1]))
        a2, b2, c2 = (a**2).sum(1), (b**2).sum(1), (c**2).sum(1)
        ux = (a2 * (b[:, 1] - c[:, 1]) + b2 * (c[:, 1] - a[:, 1]) + c2 * (a[:, 1] - b[:, 1])) / d
        uy = (a2 * (c[:, 0] - b[:, 0]) + b2 * (a[:, 0] - c[:, 0]) + c2 * (b[:, 0] - a[:, 0])) / d
        centre = np.stack([ux, uy], 1)
        return centre, ((a - centre) ** 2).sum(1)

    for i in range(n):
        t = np.array(tris)
        centre, r2 = circum(t)
        bad = ((allp[i] - centre) ** 2).sum(1) < r2 * (1 - 1e-12)
        edges: dict[tuple[int, int], int] = {}
        for tri in t[bad]:
            for e in ((tri[0], tri[1]), (tri[1], tri[2]), (tri[2], tri[0])):
                key = (min(e), max(e))
                edges[key] = edges.get(key, 0) + 1
        tris = [tuple(x) for x in t[~bad]]
        tris += [(a, b, i) for (a, b), count in edges.items() if count == 1]
    out = np.array([t for t in tris if max(t) < n], dtype=np.int32)
    a, b, c = pts[out[:, 0]], pts[out[:, 1]], pts[out[:, 2]]
    signed = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    out[signed < 0] = out[signed < 0][:, [0, 2, 1]]
    return out


@functools.cache
def mesh_triangles() -> np.ndarray:
    """The fixed triangulation of the extended point set (Delaunay on the template), ``(T, 3)`` int32.

    The same triangles are used for every face, so a texture drawn on the template bends with it.
    """
    tmpl = extended_template()
    # A tiny deterministic jitter breaks the ties of the symmetric template (4 co-circular points).
    jitter = np.sin(np.arange(tmpl.size, dtype=np.float64) * 12.9898).reshape(tmpl.shape) * 1e-7
    tris = delaunay(tmpl + jitter)
    tris.setflags(write=False)
    return tris


def triangle_affines(src: np.ndarray, dst: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """For every triangle, the affine matrix mapping its ``src`` corners onto its ``dst`` corners.

    ``src`` and ``dst`` are ``(N, 2)``; returns ``(T, 2, 3)`` float64. Degenerate source
    triangles get an all-zero matrix. (Closed-form 3x3 inverses: fast for a few hundred.)
    """
    s = as_points(src)
    d = as_points(dst, len(s), "dst")
    t = np.asarray(triangles)
    # Rows of S = [[x0 x1 x2], [y0 y1 y2], [1 1 1]]; inv(S) has columns r1 x r2, r2 x r0, r0 x r1.
    r0, r1 = s[t, 0], s[t, 1]
    r2 = np.ones_like(r0)
    c0, c1, c2 = np.cross(r1, r2), np.cross(r2, r0), np.cross(r0, r1)
    det = np.einsum("ij,ij->i", r0, c0)
    ok = np.abs(det) > 1e-9
    inv = np.stack([c0, c1, c2], axis=2) / np.where(ok, det, 1.0)[:, None, None]  # (T, 3, 3)
    out = np.einsum("tki,tij->tkj", d[t].transpose(0, 2, 1), inv)
    out[~ok] = 0.0
    return out


def template_face(
    centre: tuple[float, float], iod: float, roll_deg: float = 0.0, mouth_open: float = 0.0
) -> np.ndarray:
    """A synthetic face: :data:`TEMPLATE_68` with the jaw dropped by ``mouth_open`` template units,
    scaled to inter-ocular distance ``iod`` pixels, rolled by ``roll_deg`` (clockwise on screen,
    y down) and centred (eye midpoint) on ``centre``. Float64 ``(68, 2)``; for tests, benchmarks
    and thumbnails.
    """
    p = TEMPLATE_68.copy()
    if mouth_open:
        p[[55, 56, 57, 58, 59, 65, 66, 67], 1] += mouth_open
        jaw = np.arange(3, 14)
        p[jaw, 1] += mouth_open * np.clip((p[jaw, 1] - 0.55) / 0.75, 0, 1)
    a = np.radians(roll_deg)
    r = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) * iod
    return p @ r.T + np.asarray(centre, np.float64)
