"""Small typed values shared by every stage: boxes, faces, head poses and the 68-point groups.

Conventions used throughout facefilter:

* Images are ``numpy`` arrays, HxWx3 ``uint8`` in **BGR** order (OpenCV's), or HxW ``uint8``
  grayscale.
* Coordinates are pixels with the origin at the centre of the top-left pixel, x to the right,
  y down (OpenCV's convention, the one 300-W's 0-based points use).
* Landmarks are ``(68, 2)`` ``float32`` arrays in the iBUG 68-point markup.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

N_LANDMARKS = 68

# Named point groups of the iBUG 68-point markup (subject's right = image left for a frontal face).
JAW = tuple(range(0, 17))
BROW_R = tuple(range(17, 22))
BROW_L = tuple(range(22, 27))
NOSE_BRIDGE = tuple(range(27, 31))
NOSE_BOTTOM = tuple(range(31, 36))
NOSE = NOSE_BRIDGE + NOSE_BOTTOM
EYE_R = tuple(range(36, 42))
EYE_L = tuple(range(42, 48))
MOUTH_OUTER = tuple(range(48, 60))
MOUTH_INNER = tuple(range(60, 68))
MOUTH = MOUTH_OUTER + MOUTH_INNER

# Outer eye corners: the inter-ocular distance of the 300-W metric.
OUTER_EYE_CORNERS = (36, 45)

# Index i of a horizontally mirrored face holds the point FLIP_PERMUTATION[i] of the original.
FLIP_PERMUTATION: tuple[int, ...] = (
    *range(16, -1, -1),  # jaw 0..16 -> 16..0
    *range(26, 21, -1),  # brows 17..21 <-> 26..22
    *range(21, 16, -1),
    27, 28, 29, 30,  # nose bridge stays
    35, 34, 33, 32, 31,  # nose bottom
    45, 44, 43, 42, 47, 46,  # right eye <- left eye
    39, 38, 37, 36, 41, 40,  # left eye <- right eye
    54, 53, 52, 51, 50, 49, 48,  # outer upper lip
    59, 58, 57, 56, 55,  # outer lower lip
    64, 63, 62, 61, 60,  # inner upper lip
    67, 66, 65,  # inner lower lip
)


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in pixels: ``left``, ``top``, ``width``, ``height``."""

    left: float
    top: float
    width: float
    height: float

    @property
    def center(self) -> tuple[float, float]:
        return (self.left + self.width / 2.0, self.top + self.height / 2.0)

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def as_array(self) -> np.ndarray:
        """``(4,)`` float32 ``[left, top, width, height]``."""
        return np.array([self.left, self.top, self.width, self.height], dtype=np.float32)

    @classmethod
    def from_points(cls, points: np.ndarray) -> Box:
        """The tight box around ``(N, 2)`` points (the 300-W ``<box>`` convention)."""
        pts = np.asarray(points, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0:
            raise ValueError(f"points must have shape (N, 2) with N > 0, got {pts.shape}")
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        return cls(float(x0), float(y0), float(x1 - x0), float(y1 - y0))

    def iou(self, other: Box) -> float:
        """Intersection over union with ``other`` (0 when either is empty)."""
        ix = max(0.0, min(self.right, other.right) - max(self.left, other.left))
        iy = max(0.0, min(self.bottom, other.bottom) - max(self.top, other.top))
        inter = ix * iy
        union = self.width * self.height + other.width * other.height - inter
        return inter / union if union > 0 else 0.0


def rotation_from_rvec(rvec: np.ndarray) -> np.ndarray:
    """``(3, 3)`` float64 rotation matrix of an axis-angle vector (Rodrigues' formula, as ``cv2.Rodrigues``)."""
    x, y, z = np.asarray(rvec, dtype=np.float64).reshape(3).tolist()
    theta = math.sqrt(x * x + y * y + z * z)
    if theta < 1e-12:
        return np.eye(3)
    x, y, z = x / theta, y / theta, z / theta
    s, c = math.sin(theta), math.cos(theta)
    t = 1.0 - c  # R = I + s K + t K^2 with K the cross-product matrix of the unit axis (scalar arithmetic: fast)
    return np.array([[c + t * x * x, t * x * y - s * z, t * x * z + s * y],
                     [t * x * y + s * z, c + t * y * y, t * y * z - s * x],
                     [t * x * z - s * y, t * y * z + s * x, c + t * z * z]])  # fmt: skip


def rvec_from_rotation(rot: np.ndarray) -> np.ndarray:
    """``(3,)`` float64 axis-angle vector (angle in [0, pi]) of a ``(3, 3)`` rotation matrix.

    The inverse of :func:`rotation_from_rvec`, through the unit quaternion (Shepperd's method,
    stable at every angle).
    """
    m = np.asarray(rot, dtype=np.float64)
    tr = float(np.trace(m))
    k = int(np.argmax([tr, m[0, 0], m[1, 1], m[2, 2]]))
    if k == 0:
        s = 2.0 * math.sqrt(1.0 + tr)
        q = np.array([s / 4, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s])
    elif k == 1:
        s = 2.0 * math.sqrt(max(1e-300, 1.0 + m[0, 0] - m[1, 1] - m[2, 2]))
        q = np.array([(m[2, 1] - m[1, 2]) / s, s / 4, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s])
    elif k == 2:
        s = 2.0 * math.sqrt(max(1e-300, 1.0 + m[1, 1] - m[0, 0] - m[2, 2]))
        q = np.array([(m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, s / 4, (m[1, 2] + m[2, 1]) / s])
    else:
        s = 2.0 * math.sqrt(max(1e-300, 1.0 + m[2, 2] - m[0, 0] - m[1, 1]))
        q = np.array([(m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, s / 4])
    if q[0] < 0:
        q = -q
    v = q[1:]
    n = float(np.linalg.norm(v))
    if n < 1e-15:
        return np.zeros(3)
    return v / n * (2.0 * math.atan2(n, float(q[0])))


def rotation_from_angles(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """``(3, 3)`` float64 head-to-camera rotation of yaw, pitch, roll in degrees (see :class:`HeadPose`).

    ``R = Rz(roll) @ Ry(-yaw) @ Rx(pitch)`` with right-handed camera axes x right, y down, z forward.
    """
    y, p, r = (math.radians(a) for a in (yaw, pitch, roll))
    rz = np.array([[math.cos(r), -math.sin(r), 0.0], [math.sin(r), math.cos(r), 0.0], [0.0, 0.0, 1.0]])
    ry = np.array([[math.cos(y), 0.0, -math.sin(y)], [0.0, 1.0, 0.0], [math.sin(y), 0.0, math.cos(y)]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, math.cos(p), -math.sin(p)], [0.0, math.sin(p), math.cos(p)]])
    return rz @ ry @ rx


def angles_from_rotation(rot: np.ndarray) -> tuple[float, float, float]:
    """``(yaw, pitch, roll)`` in degrees of a head-to-camera rotation (inverse of :func:`rotation_from_angles`)."""
    m = np.asarray(rot, dtype=np.float64)
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, float(m[2, 0])))))
    pitch = math.degrees(math.atan2(float(m[2, 1]), float(m[2, 2])))
    roll = math.degrees(math.atan2(float(m[1, 0]), float(m[0, 0])))
    return yaw, pitch, roll


@dataclass(frozen=True, eq=False)
class HeadPose:
    """Where a head is: the rigid transform from head space to the camera, and the camera.

    Head space is the space of ``facefilter.pose.MEAN_FACE_3D``: millimetres, x to the image
    right, y down, z away from the camera for a frontal face (the nose tip has z < 0), origin
    between the outer eye corners. The camera is a pinhole with axes x right, y down, z forward
    (OpenCV's): a head-space point ``p`` (mm) is at ``R @ p + tvec`` (mm) in camera space,
    ``R = rotation_from_rvec(rvec)``, and lands on pixel ``(focal * X / Z + cx, focal * Y / Z + cy)``
    with ``center = (cx, cy)`` in the pixel convention of this module.

    ``yaw``, ``pitch``, ``roll`` are degrees, ``R = Rz(roll) @ Ry(-yaw) @ Rx(pitch)``: ``yaw > 0``
    when the nose points to the image right, ``pitch > 0`` when the chin goes down (the nose points
    down), ``roll > 0`` when the face turns clockwise on screen (the eye line's angle, like
    ``facefilter.pipeline.eye_roll``). ``rvec`` and ``tvec`` are ``(3,)`` float64; ``focal`` is in
    pixels. Build one with :meth:`from_angles` or :func:`facefilter.pose.estimate_pose`.
    """

    yaw: float
    pitch: float
    roll: float
    rvec: np.ndarray
    tvec: np.ndarray
    focal: float
    center: tuple[float, float]

    def __post_init__(self) -> None:
        for name in ("rvec", "tvec"):
            v = np.asarray(getattr(self, name), dtype=np.float64)
            if v.size != 3:
                raise ValueError(f"HeadPose.{name} must have 3 values, got shape {v.shape}")
            object.__setattr__(self, name, v.reshape(3).copy())
        if not self.focal > 0:
            raise ValueError(f"HeadPose.focal must be > 0 pixels, got {self.focal}")

    @classmethod
    def from_angles(
        cls, yaw: float, pitch: float, roll: float, tvec: np.ndarray, focal: float, center: tuple[float, float]
    ) -> HeadPose:
        """The pose with these angles (degrees), translation (mm) and camera."""
        rotation = rotation_from_angles(yaw, pitch, roll)
        pose = cls(float(yaw), float(pitch), float(roll), rvec_from_rotation(rotation), np.asarray(tvec, np.float64),
                   float(focal), (float(center[0]), float(center[1])))
        return pose._with_rotation(rotation)

    @classmethod
    def from_rvec(cls, rvec: np.ndarray, tvec: np.ndarray, focal: float, center: tuple[float, float]) -> HeadPose:
        """The pose with this axis-angle rotation and translation (mm); the angles follow from them."""
        rotation = rotation_from_rvec(rvec)
        yaw, pitch, roll = angles_from_rotation(rotation)
        pose = cls(yaw, pitch, roll, np.asarray(rvec, np.float64), np.asarray(tvec, np.float64),
                   float(focal), (float(center[0]), float(center[1])))
        return pose._with_rotation(rotation)

    def _with_rotation(self, rotation: np.ndarray) -> HeadPose:
        """This pose with :attr:`rotation` (the cached property) set to ``rotation``, already known
        to its maker (made read-only, as the computed one is)."""
        rotation.flags.writeable = False
        self.__dict__["rotation"] = rotation
        return self

    @functools.cached_property
    def rotation(self) -> np.ndarray:
        """``(3, 3)`` float64 head-to-camera rotation (computed once; read-only)."""
        r = rotation_from_rvec(self.rvec)
        r.flags.writeable = False
        return r

    @functools.cached_property
    def camera_matrix(self) -> np.ndarray:
        """``(3, 3)`` float64 pinhole intrinsics ``[[f, 0, cx], [0, f, cy], [0, 0, 1]]`` (OpenCV's; read-only)."""
        k = np.array([[self.focal, 0.0, self.center[0]], [0.0, self.focal, self.center[1]], [0.0, 0.0, 1.0]])
        k.flags.writeable = False
        return k

    def to_camera(self, points_3d: np.ndarray) -> np.ndarray:
        """``(N, 3)`` head-space points (mm) -> ``(N, 3)`` float64 camera-space points (mm, z = depth)."""
        p = np.asarray(points_3d, dtype=np.float64)
        if p.ndim != 2 or p.shape[1] != 3:
            raise ValueError(f"points_3d must have shape (N, 3), got {p.shape}")
        return p @ self.rotation.T + self.tvec

    def project(self, points_3d: np.ndarray) -> np.ndarray:
        """``(N, 3)`` head-space points (mm) -> ``(N, 2)`` float32 pixels (origin: centre of the top-left pixel).

        Points at or behind the camera plane (depth <= 1e-6 mm) come out as NaN.
        """
        cam = self.to_camera(points_3d)
        z = cam[:, 2:3]
        with np.errstate(divide="ignore", invalid="ignore"):
            uv = np.where(z > 1e-6, cam[:, :2] / z, np.nan) * self.focal + np.asarray(self.center)
        return uv.astype(np.float32)

    def mirrored(self, width: float) -> HeadPose:
        """This pose seen in the left-right mirror of a frame ``width`` pixels wide.

        Pixels map ``x -> width - 1 - x`` and points are relabelled with :data:`FLIP_PERMUTATION`,
        so for a left-right symmetric head the rotation becomes ``M R M`` and the translation
        ``M t`` with ``M = diag(-1, 1, 1)``: yaw and roll change sign, pitch stays. The principal
        point is mirrored too.
        """
        rvec = self.rvec * np.array([1.0, -1.0, -1.0])
        tvec = self.tvec * np.array([-1.0, 1.0, 1.0])
        center = (float(width) - 1.0 - self.center[0], self.center[1])
        return HeadPose(-self.yaw, self.pitch, -self.roll, rvec, tvec, self.focal, center)


@dataclass
class Face:
    """One tracked face in a frame.

    ``box`` is the 300-W style tight box around the landmarks; ``landmarks`` is ``(68, 2)``
    float32 in frame pixels; ``id`` is stable across frames while the face is tracked;
    ``score`` is the detector's confidence in [0, 1]; ``pose`` is the head pose (``None`` when
    not estimated).
    """

    box: Box
    landmarks: np.ndarray
    id: int = 0
    score: float = 1.0
    extra: dict[str, float] = field(default_factory=dict)
    pose: HeadPose | None = None

    def __post_init__(self) -> None:
        lm = np.asarray(self.landmarks, dtype=np.float32)
        if lm.shape != (N_LANDMARKS, 2):
            raise ValueError(f"Face.landmarks must have shape (68, 2), got {lm.shape}")
        self.landmarks = lm

    @property
    def inter_ocular(self) -> float:
        """Distance between the outer eye corners (36, 45), in pixels."""
        a, b = OUTER_EYE_CORNERS
        return float(np.linalg.norm(self.landmarks[a] - self.landmarks[b]))
