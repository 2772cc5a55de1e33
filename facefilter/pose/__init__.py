"""Head pose from 68 points: a 3-D mean face in millimetres and a perspective fit (numpy + cv2).

``MEAN_FACE_3D`` is the ``(68, 3)`` float32 mean face in head space (mm; x to the image right,
y down, z away from the camera for a frontal face; origin between the outer eye corners), built
by ``python -m facefilter.tools.meanface`` and shipped as ``mean_face_68.json`` beside this file.
:func:`estimate_pose` fits it to a face's rigid points and returns a :class:`HeadPose`.
"""

from facefilter.pose.estimate import RIGID_POINTS, default_camera, estimate_pose
from facefilter.pose.meanface import MEAN_FACE_3D, MEAN_FACE_FILE, load_mean_face
from facefilter.types import HeadPose

__all__ = [
    "MEAN_FACE_3D",
    "MEAN_FACE_FILE",
    "RIGID_POINTS",
    "HeadPose",
    "default_camera",
    "estimate_pose",
    "load_mean_face",
]
