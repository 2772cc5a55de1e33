"""MediaPipe Face Mesh (468 points) as a 68-point reference for the benchmark.

``MESH_TO_68[i]`` is the mesh vertex used for 300-W point ``i``. The table was fitted, not
hand-picked: ``python -m facefilter.bench.facemesh68`` runs Face Mesh on the 300-W training
faces and, for each of the 68 points, picks the vertex with the lowest mean distance to it
(in inter-ocular distances), then prints the table and the NME of the mapped mesh on the
validation faces. The jaw points of 300-W follow the visible face outline, so no fixed vertex
matches them on turned faces: the mapping itself costs the reference some NME.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from facefilter.data import SHARED_DATA
from facefilter.types import N_LANDMARKS, OUTER_EYE_CORNERS

# Fitted with `python -m facefilter.bench.facemesh68` on the 1811 ibug300w-train faces outside the
# validation split (Face Mesh found all of them); mapped-mesh NME on the 201 validation faces:
# mean 5.32%, median 4.85% (static images, mediapipe 0.10.21).
MESH_TO_68: tuple[int, ...] = (
    127, 227, 177, 215, 172, 136, 149, 148, 152, 377, 378, 365, 397, 435, 401, 447, 356,
    70, 63, 105, 66, 55, 336, 296, 334, 293, 300, 168, 197, 5, 4, 75, 97, 2,
    326, 460, 7, 159, 158, 155, 153, 144, 382, 385, 387, 249, 373, 380, 61, 39, 37,
    11, 267, 304, 291, 405, 314, 17, 84, 181, 78, 38, 13, 268, 292, 317, 14, 87,
)

DEFAULT_DATA = SHARED_DATA / "ibug300w-train"


def mesh_to_68(mesh: np.ndarray, table: tuple[int, ...] = MESH_TO_68) -> np.ndarray:
    """``(468, 2)`` (or ``(478, 2)``) mesh points in pixels -> ``(68, 2)`` float32 300-W points."""
    if len(table) != N_LANDMARKS:
        raise RuntimeError("MESH_TO_68 is empty: run python -m facefilter.bench.facemesh68 and paste its table")
    return np.asarray(mesh, dtype=np.float32)[list(table)]


class FaceMeshReference:
    """MediaPipe Face Mesh in video mode on BGR frames -> list of ``(68, 2)`` point arrays."""

    def __init__(self, max_faces: int = 4, static: bool = False) -> None:
        from mediapipe.python.solutions import face_mesh

        self._mesh = face_mesh.FaceMesh(
            static_image_mode=static, max_num_faces=max_faces, refine_landmarks=False,
            min_detection_confidence=0.5, min_tracking_confidence=0.5,
        )

    def meshes(self, frame_bgr: np.ndarray) -> list[np.ndarray]:
        """Every face's ``(468, 2)`` mesh in frame pixels (origin at the centre of the top-left pixel)."""
        h, w = frame_bgr.shape[:2]
        res = self._mesh.process(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB))
        out = []
        for lms in res.multi_face_landmarks or []:
            out.append(np.array([[p.x * w - 0.5, p.y * h - 0.5] for p in lms.landmark], np.float32))
        return out

    def process(self, frame_bgr: np.ndarray) -> list[np.ndarray]:
        return [mesh_to_68(m) for m in self.meshes(frame_bgr)]

    def close(self) -> None:
        self._mesh.close()


def _collect(records: list, static_mesh: FaceMeshReference) -> tuple[list[np.ndarray], list[np.ndarray]]:
    meshes, truths = [], []
    for rec in records:
        img = cv2.imread(str(rec.image), cv2.IMREAD_COLOR)
        if img is None:
            continue
        found = static_mesh.meshes(img)
        if not found:
            continue
        gt = np.asarray(rec.points, np.float64)
        best = min(found, key=lambda m: float(np.linalg.norm(m.mean(0) - gt.mean(0))))
        meshes.append(best)
        truths.append(gt)
    return meshes, truths


def fit_table(meshes: list[np.ndarray], truths: list[np.ndarray]) -> tuple[int, ...]:
    """Per 300-W point, the mesh vertex with the lowest mean IOD-normalised distance."""
    m = np.stack(meshes).astype(np.float64)  # (F, 468, 2)
    g = np.stack(truths)  # (F, 68, 2)
    a, b = OUTER_EYE_CORNERS
    iod = np.linalg.norm(g[:, a] - g[:, b], axis=1)[:, None, None]
    cost = np.linalg.norm(m[:, None, :, :] - g[:, :, None, :], axis=-1) / iod  # (F, 68, 468)
    return tuple(int(i) for i in cost.mean(0).argmin(1))


def main(argv: list[str] | None = None) -> int:
    from facefilter.data import discover, split_indices
    from facefilter.landmarks.metrics import nme

    ap = argparse.ArgumentParser(prog="python -m facefilter.bench.facemesh68", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args(argv)
    records = discover(args.data).records
    train, val = split_indices(len(records), 0.1, seed=0)
    ref = FaceMeshReference(max_faces=4, static=True)
    tm, tg = _collect([records[i] for i in train], ref)
    vm, vg = _collect([records[i] for i in val], ref)
    ref.close()
    table = fit_table(tm, tg)
    errors = nme(np.stack([np.asarray(m)[list(table)] for m in vm]), np.stack(vg))
    print(f"Face Mesh found {len(tm)}/{len(train)} train and {len(vm)}/{len(val)} validation faces")
    print(f"validation NME of the mapped mesh: mean {errors.mean() * 100:.2f}%, median {np.median(errors) * 100:.2f}%")
    print("MESH_TO_68: tuple[int, ...] = (")
    for i in range(0, N_LANDMARKS, 17):
        print("    " + ", ".join(str(v) for v in table[i : i + 17]) + ",")
    print(")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
