"""Face swap: one face laid onto another, driven by the target's expression (numpy + cv2).

Conventions: frames are HxWx3 ``uint8`` BGR and are modified **in place** by :func:`swap_face`;
source textures are HxWx4 ``uint8`` BGRA whose alpha says where the source picture has pixels.
Points are pixels, origin at the centre of the top-left pixel, x right, y down; landmarks are
``(68, 2)`` in iBUG order.

Where to look:

* :mod:`.mesh`: the triangulation, the swapped region's outline, the source texture
  (:class:`SourceFace`) and the piecewise-affine warp;
* :mod:`.turn`: decisions that depend on how a face is turned, taken relative to the camera's ray
  to the face, so the same face swaps the same anywhere in the frame;
* :mod:`.colour`: the source's tone towards the target's, the target's shading;
* :mod:`.blend`: the soft mask, the target's open mouth, Poisson blending for comparison;
* :mod:`.face`: :func:`swap_face`, one face swapped, using all of the above;
* :mod:`.sources`: who swaps with whom, per-face memory on video, the ``swap`` manifest layer.
"""

from facefilter.filters.swap.blend import (
    EYE_HOLE,
    FEATHER,
    MOUTH_HOLE,
    MOUTH_HOLE_MIN,
    face_mask,
)
from facefilter.filters.swap.colour import GAIN_MIN, ToneStats, lab_stats, match_colour
from facefilter.filters.swap.face import SHADING_SIGMA, swap_face
from facefilter.filters.swap.mesh import (
    FOREHEAD_BAND,
    SourceFace,
    extended_flip,
    face_outline,
    far_half,
    swap_triangles,
)
from facefilter.filters.swap.sources import (
    MAX_SOURCE_SCALE,
    NEEDS_TWO_FACES,
    OTHER_FACE,
    SWAP_KEYS,
    TONE_TAU,
    SwapLayer,
    SwapSpec,
    pair_faces,
    parse_swap,
    read_points,
)
from facefilter.filters.swap.turn import (
    MIRROR_MIN_YAW,
    RELATIVE_YAW,
    face_yaw,
    mirror_side,
    mirror_weight,
    ray_yaw,
    turn_weight,
    use_mirror,
)

__all__ = [
    "EYE_HOLE", "FEATHER", "FOREHEAD_BAND", "GAIN_MIN", "MAX_SOURCE_SCALE", "MIRROR_MIN_YAW",
    "MOUTH_HOLE", "MOUTH_HOLE_MIN", "NEEDS_TWO_FACES", "OTHER_FACE", "RELATIVE_YAW", "SHADING_SIGMA",
    "SWAP_KEYS", "TONE_TAU", "SourceFace", "SwapLayer", "SwapSpec", "ToneStats", "extended_flip",
    "face_mask", "face_outline", "face_yaw", "far_half", "lab_stats", "match_colour", "mirror_side",
    "mirror_weight", "pair_faces", "parse_swap", "ray_yaw", "read_points", "swap_face", "swap_triangles",
    "turn_weight", "use_mirror",
]  # fmt: skip
