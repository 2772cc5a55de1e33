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
# mean 5.32%, median 4.85% (static images, mediapipe 0.10.21's solution; its rebuild in
# facefilter.bench.facemesh gives the same points within 0.03% of the eye distance).
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
    """MediaPipe Face Mesh in video mode on BGR frames -> list of ``(68, 2)`` point arrays.

    Runs :class:`facefilter.bench.facemesh.FaceMeshReference` (the legacy solution's graph
    rebuilt on the TFLite interpreter: no ``mediapipe.solutions`` needed).
    """

    def __init__(self, max_faces: int = 4, static: bool = False) -> None:
        from facefilter.bench.facemesh import FaceMeshReference as Mesh

        self._mesh = Mesh(max_faces=max_faces, static=static)

    def meshes(self, frame_bgr: np.ndarray) -> list[np.ndarray]:
        """Every face's ``(468, 2)`` mesh in frame pixels (origin at the centre of the top-left pixel)."""
        return [m[:, :2] for m in self._mesh.process(frame_bgr)]

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


def compare(data: Path, limit: int = 0) -> None:
    """Print the NME of the mapped mesh on the 300-W validation faces (static images) for
    :class:`facefilter.bench.facemesh.FaceMeshReference` and, where mediapipe 0.10.x is installed,
    the legacy solution, and the largest point difference between the two per face."""
    from facefilter.bench.facemesh import FaceMeshReference as Mesh
    from facefilter.bench.facemesh import legacy_meshes
    from facefilter.data import discover, split_indices
    from facefilter.landmarks.metrics import nme

    records = discover(data).records
    _, val = split_indices(len(records), 0.1, seed=0)
    chosen = [records[i] for i in val][: limit or None]
    try:
        from mediapipe.python.solutions import face_mesh

        legacy = face_mesh.FaceMesh(static_image_mode=True, max_num_faces=4, refine_landmarks=False,
                                    min_detection_confidence=0.5)
    except ImportError:
        legacy = None
    ours = Mesh(max_faces=4, static=True)
    found: dict[str, list[np.ndarray]] = {"ours": [], "legacy": []}
    truths: dict[str, list[np.ndarray]] = {"ours": [], "legacy": []}
    diffs = []
    for rec in chosen:
        img = cv2.imread(str(rec.image), cv2.IMREAD_COLOR)
        if img is None:
            continue
        gt = np.asarray(rec.points, np.float64)
        best = {}
        for name, meshes in (("ours", ours.process(img)), ("legacy", legacy_meshes(legacy, img) if legacy else [])):
            if meshes:
                best[name] = min(meshes, key=lambda m: float(np.linalg.norm(m[:, :2].mean(0) - gt.mean(0))))
                found[name].append(best[name][list(MESH_TO_68), :2])
                truths[name].append(gt)
        if len(best) == 2:
            iod = float(np.linalg.norm(gt[36] - gt[45]))
            diffs.append(float(np.abs(best["ours"][:, :2] - best["legacy"][:, :2]).max()) / iod)
    ours.close()
    if legacy is not None:
        legacy.close()
    print(f"{len(chosen)} 300-W validation faces (static images)")
    for name in ("ours", "legacy"):
        if found[name]:
            e = nme(np.stack(found[name]), np.stack(truths[name]))
            print(f"  {name:7s} found {len(found[name])}, NME of the mapped mesh: mean {e.mean() * 100:.2f}%, "
                  f"median {np.median(e) * 100:.2f}%")
        else:
            print(f"  {name:7s} " + ("found none" if name == "ours" else "not installed (mediapipe 1.x)"))
    if diffs:
        d = np.array(diffs) * 100
        print(f"  ours vs legacy, largest point difference per face (% of the outer-eye distance): "
              f"median {np.median(d):.3f}, max {d.max():.3f}")


def main(argv: list[str] | None = None) -> int:
    from facefilter.data import discover, split_indices
    from facefilter.landmarks.metrics import nme

    ap = argparse.ArgumentParser(prog="python -m facefilter.bench.facemesh68", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--compare", action="store_true",
                    help="instead: NME of the reference (and of the legacy solution) on the validation faces")
    ap.add_argument("--limit", type=int, default=0, help="with --compare: validation faces (0: all)")
    args = ap.parse_args(argv)
    if args.compare:
        compare(args.data, args.limit)
        return 0
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
