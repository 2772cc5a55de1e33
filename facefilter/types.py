"""Small typed values shared by every stage: boxes, faces and the 68-point groups.

Conventions used throughout facefilter:

* Images are ``numpy`` arrays, HxWx3 ``uint8`` in **BGR** order (OpenCV's), or HxW ``uint8``
  grayscale.
* Coordinates are pixels with the origin at the centre of the top-left pixel, x to the right,
  y down (OpenCV's convention, the one 300-W's 0-based points use).
* Landmarks are ``(68, 2)`` ``float32`` arrays in the iBUG 68-point markup.
"""

from __future__ import annotations

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


@dataclass
class Face:
    """One tracked face in a frame.

    ``box`` is the 300-W style tight box around the landmarks; ``landmarks`` is ``(68, 2)``
    float32 in frame pixels; ``id`` is stable across frames while the face is tracked;
    ``score`` is the detector's confidence in [0, 1].
    """

    box: Box
    landmarks: np.ndarray
    id: int = 0
    score: float = 1.0
    extra: dict[str, float] = field(default_factory=dict)

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
