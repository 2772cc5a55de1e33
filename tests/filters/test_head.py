"""Head-space layers: projection against the 2-D placement, occlusion by the head, culling, the
manifest's errors, pose measures, and old manifests rendering exactly as before head space."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from facefilter.filters import Filter, FilterError, builtin_filters, geometry, render
from facefilter.filters.head import HeadLayer, face_view
from facefilter.filters.manifest import Placement
from facefilter.filters.occluder import CRANIUM, JAW, HeadOcclusion, head_mask
from facefilter.pose import MEAN_FACE_3D
from facefilter.types import HeadPose
from tests.filters.helpers import thumbnail
from tests.filters.reference_2d import render_reference

REFERENCES = Path(__file__).with_name("data") / "reference_2d"
FLAT_2D = Path(__file__).with_name("data") / "manifests_2d"  # the 2-D built-ins as they were at fdd5ee5
SIZE = (640, 480)


def posed(yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0, z: float = 600.0) -> HeadPose:
    """A head at ``z`` mm in front of a 640x480 camera of focal 640 px, turned by the angles."""
    return HeadPose.from_angles(yaw, pitch, roll, (0.0, 0.0, z), 640.0, ((SIZE[0] - 1) / 2, (SIZE[1] - 1) / 2))


class Posed:
    """A face as the tracker hands it over: landmarks (the mean face projected) and its pose."""

    def __init__(self, pose: HeadPose) -> None:
        self.pose = pose
        self.landmarks = pose.project(MEAN_FACE_3D)


def opaque(size: tuple[int, int] = (40, 64), colour: tuple[int, int, int] = (30, 200, 60)) -> np.ndarray:
    """A fully opaque straight-alpha BGRA picture, ``size`` = (height, width)."""
    h, w = size
    return np.dstack([np.full((h, w, 3), colour, np.uint8), np.full((h, w), 255, np.uint8)])


def head_filter(root: Path, planes: list[dict[str, Any]], images: dict[str, np.ndarray], **layer: Any) -> Filter:
    folder = root / "head"
    folder.mkdir(parents=True, exist_ok=True)
    for name, img in images.items():
        cv2.imwrite(str(folder / name), img)
    cv2.imwrite(str(folder / "thumbnail.png"), thumbnail())
    manifest = {"format": 1, "title": "Head", "layers": [{"placement": "head", "planes": planes, **layer}]}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return Filter.load(folder)


def background() -> np.ndarray:
    y, x = np.mgrid[0 : SIZE[1], 0 : SIZE[0]]
    return np.dstack([(x * 0.3) % 256, (y * 0.4) % 256, np.full(x.shape, 90)]).astype(np.uint8)


# -- the identity pose against the 2-D placement ---------------------------------------------------------


def test_a_plane_at_the_eye_corners_lands_where_the_2d_similarity_puts_the_sticker(tmp_path: Path) -> None:
    """What "lands where the 2-D placement would" means: a frontal head (identity rotation) 600 mm
    away whose landmarks are the projected mean face; a plane facing the camera at the depth of the
    outer eye corners (z = 0), sized so that the sticker's two ``image_points`` sit on head points
    (-45, 0, 0) and (45, 0, 0), i.e. the mean face's points 36 and 45. Such a plane is seen as a
    similarity (uniform depth), so its corners must be where ``placement: similarity`` with anchors
    [36, 45] puts the sticker's corners, and the two renders must agree pixel for pixel."""
    sticker = opaque((48, 80))
    ip = np.array([[12.0, 20.0], [68.0, 20.0]])  # image points -> outer eye corners
    mm_per_px = 90.0 / (ip[1, 0] - ip[0, 0])
    w, h = 80 * mm_per_px, 48 * mm_per_px
    # The picture's centre (39.5, 23.5) in head space: the eye corners' midpoint is image (40, 20).
    centre = [(39.5 - 40.0) * mm_per_px, (23.5 - 20.0) * mm_per_px, 0.0]
    # (Not occluded: at the eye corners' depth the plane is inside the head's proxy, whose front is
    # the brow 22 mm nearer; occlusion has its own tests.)
    flt3 = head_filter(tmp_path, [{"image": "s.png", "centre": centre, "size": [w, h]}], {"s.png": sticker},
                       occlude=False)
    face = Posed(posed())

    layer = next(la for la in flt3._layers if isinstance(la, HeadLayer))
    view = face_view(face.pose, face.landmarks)
    plane = layer.planes[0]
    corners = plane.centre + plane.uv[:, :1] * plane.x_axis + plane.uv[:, 1:] * plane.y_axis
    projected = view.project(corners)
    m = geometry.similarity_from_2(ip, face.landmarks[[36, 45]].astype(np.float64))
    expected = geometry.apply_affine(m, render.sprite_corners(80, 48))
    np.testing.assert_allclose(projected, expected, atol=1e-3)

    folder2 = tmp_path / "flat"
    folder2.mkdir()
    cv2.imwrite(str(folder2 / "s.png"), sticker)
    cv2.imwrite(str(folder2 / "thumbnail.png"), thumbnail())
    (folder2 / "manifest.json").write_text(json.dumps({"format": 1, "title": "Flat", "layers": [
        {"placement": "similarity", "image": "s.png", "anchors": [36, 45], "image_points": ip.tolist()}]}))
    frame = background()
    out3, out2 = flt3.render(frame, [face]), Filter.load(folder2).render(frame, [face])
    diff = np.abs(out3.astype(int) - out2.astype(int))
    assert (out3 != frame).any()
    assert diff.max() <= 3  # warpPerspective vs warpAffine rounding on the anti-aliased border
    assert (diff > 1).mean() < 0.001


# -- occlusion by the head ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("yaw", "pitch"), [(0, 0), (-40, 0), (35, 10), (0, -25)])
def test_no_pixel_of_a_plane_behind_the_head_is_drawn_inside_the_occluder(tmp_path: Path, yaw: float,
                                                                         pitch: float) -> None:  # fmt: skip
    # A large opaque card 250 mm behind the eyes, facing the camera: the head hides its middle.
    card = {"image": "c.png", "centre": [0, -20, 250], "size": [400, 400], "double_sided": True}
    flt = head_filter(tmp_path, [card], {"c.png": opaque((64, 64))})
    face = Posed(posed(yaw, pitch))
    frame = background()
    out = flt.render(frame, [face])
    mask = head_mask(face_view(face.pose, face.landmarks), frame.shape)
    inner = cv2.erode(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)  # 2 px of anti-aliasing
    changed = (out != frame).any(2)
    assert inner.sum() > 5000
    assert not changed[inner].any()
    assert changed[~cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)].sum() > 20000


def test_a_plane_in_front_of_the_head_is_drawn_whole(tmp_path: Path) -> None:
    flt = head_filter(tmp_path, [{"image": "c.png", "centre": [0, 0, -60], "size": [120, 90]}], {"c.png": opaque()})
    face = Posed(posed(25, -10))
    frame = background()
    out = flt.render(frame, [face])
    flt_off = head_filter(tmp_path / "b", [{"image": "c.png", "centre": [0, 0, -60], "size": [120, 90]}],
                          {"c.png": opaque()}, occlude=False)  # fmt: skip
    np.testing.assert_array_equal(out, flt_off.render(frame, [face]))
    assert (out != frame).any(2).sum() > 5000


def test_a_plane_through_the_head_is_hidden_inside_it_and_drawn_outside(tmp_path: Path) -> None:
    # A horizontal-ish slab through the middle of the head at eye level, seen from the front: the
    # part inside the head (behind its surface) is hidden, the parts beyond the head's sides drawn.
    flt = head_filter(tmp_path, [{"image": "c.png", "centre": [0, 0, 73], "size": [300, 60]}], {"c.png": opaque()})
    face = Posed(posed())
    frame = background()
    changed = (flt.render(frame, [face]) != frame).any(2)
    view = face_view(face.pose, face.landmarks)
    centre = view.project(np.array([[0.0, 0.0, 73.0]]))[0]
    side = view.project(np.array([[140.0, 0.0, 73.0]]))[0]
    assert not changed[int(centre[1]), int(centre[0])]
    assert changed[int(side[1]), int(side[0])]


def test_occlusion_visibility_matches_a_ray_cast_depth_test() -> None:
    """The soft visibility is 0 well inside the head where the plane is behind it, 1 where it is in front."""
    pose = posed(20, 5)
    view = face_view(pose)
    occ = HeadOcclusion(view, (0, 0, SIZE[0], SIZE[1]), step=1)
    point, normal = np.array([0.0, 0.0, 200.0]), np.array([0.0, 0.0, -1.0])
    vis = occ.visibility(point, normal, (0, 0, SIZE[0], SIZE[1]))
    assert vis is not None
    inner = cv2.erode(head_mask(view, (SIZE[1], SIZE[0])).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert vis[inner].max() == 0.0
    outer = ~cv2.dilate(head_mask(view, (SIZE[1], SIZE[0])).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert vis[outer].min() == 1.0
    assert occ.visibility(np.array([0.0, 0.0, -80.0]), normal, (0, 0, SIZE[0], SIZE[1])) is None  # all in front


def test_uint8_visibility_is_the_float_visibility_rounded() -> None:
    """What blending takes (uint8, 255 = visible) is the documented float visibility, rounded."""
    view = face_view(posed(-30, 10))
    occ = HeadOcclusion(view, (100, 40, 420, 400), step=2)
    planes = [(np.array([0.0, -20.0, 150.0]), np.array([0.0, 0.0, -1.0]), (120, 60, 380, 300), 1e9),
              (np.array([60.0, 0.0, 60.0]), np.array([1.0, 0.0, 0.0]), (300, 100, 200, 200), 1e9)]  # fmt: skip
    as_float, as_uint8 = occ.visibilities(planes), occ.visibilities8(planes)
    assert all(v is not None for v in as_uint8)
    for f, u in zip(as_float, as_uint8, strict=True):
        assert u is not None and f is not None and u.dtype == np.uint8 and u.shape == f.shape
        np.testing.assert_allclose(u / 255.0, f, atol=1e-6)
        assert u.min() == 0 and u.max() == 255  # partly hidden, partly seen


def test_a_plane_wholly_behind_the_head_is_not_drawn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A frontal face hides a plane centred inside the cranium: nothing of it shows and it is not warped."""
    from facefilter.filters import head as head_module

    flt = head_filter(tmp_path, [{"image": "p.png", "centre": [0, -30, 80], "size": [40, 30]}], {"p.png": opaque()})
    calls: list[int] = []
    original = head_module.warp_sprite
    monkeypatch.setattr(head_module, "warp_sprite", lambda *a: calls.append(1) or original(*a))
    out = flt.render(background(), [Posed(posed(0, 0))], None)
    assert np.array_equal(out, background())
    assert calls == []


def test_the_head_proxy_fits_the_mean_face_and_stays_behind_glasses() -> None:
    """Over the brows, the eye corners and the nasion the proxy's front surface is within 15 mm of
    the mean face (it rounds over the eye sockets and under the brow tails) and never nearer to the
    camera than z = -22 mm, so glasses 24 mm in front of the eye corners are never hidden by it."""
    for i in (*range(17, 28), 36, 39, 42, 45):
        x, y, z = MEAN_FACE_3D[i]
        front = float(np.nanmin([CRANIUM.front_depth(x, y), JAW.front_depth(x, y)]))
        assert abs(front - z) <= 15.0, i
        assert front >= -22.0, i


# -- culling ------------------------------------------------------------------------------------------------


def test_back_facing_planes_are_culled_and_double_sided_ones_are_not(tmp_path: Path) -> None:
    away = {"image": "c.png", "centre": [0, 0, -60], "size": [100, 80], "rotation": [180, 0, 0]}
    face = Posed(posed())
    frame = background()
    assert np.array_equal(head_filter(tmp_path / "a", [away], {"c.png": opaque()}).render(frame, [face]), frame)
    both = head_filter(tmp_path / "b", [{**away, "double_sided": True}], {"c.png": opaque()})
    assert (both.render(frame, [face]) != frame).any()


def test_the_halo_is_drawn_at_every_pitch_even_seen_edge_on() -> None:
    # The halo's ring is a double-sided plane tilted almost flat above the head: for one pitch
    # (about -4 deg at 600 mm here; yaw 5, pitch -11 on a 300-W photo) the camera sees it edge-on.
    # It used to be culled there and vanished; now it shows as the sliver a thin ring does.
    halo = builtin_filters()["halo"]
    frame = background()
    for pitch in np.arange(-20.0, 10.01, 0.25):
        for z in (450.0, 600.0, 900.0):
            drawn = np.count_nonzero((halo.render(frame, [Posed(posed(5.0, pitch, 0, z))]) != frame).any(2))
            assert drawn >= 100, (pitch, z, drawn)


@pytest.mark.parametrize(("yaw", "visible"), [(-40, True), (40, False)])
def test_a_temple_arm_on_the_right_shows_only_when_that_side_turns_to_the_camera(tmp_path: Path, yaw: float,
                                                                                visible: bool) -> None:  # fmt: skip
    # An arm on the head's +x side (image right) facing +x. With yaw < 0 the nose points left and
    # the +x side turns towards the camera; with yaw > 0 it turns away and the arm is culled.
    arm = {"image": "a.png", "centre": [78, -8, 35], "size": [110, 10], "rotation": [90, 0, 0]}
    flt = head_filter(tmp_path, [arm], {"a.png": opaque((10, 110))})
    frame = background()
    assert (flt.render(frame, [Posed(posed(yaw))]) != frame).any() == visible


def test_mirror_draws_the_plane_s_mirror_image_across_the_face(tmp_path: Path) -> None:
    ear = opaque((40, 30))
    ear[:, :10, :3] = (0, 0, 255)  # a red stripe on the picture's left
    plane = {"image": "e.png", "centre": [-60, -80, 0], "size": [30, 40], "mirror": True}
    flt = head_filter(tmp_path, [plane], {"e.png": ear})
    frame = np.full((SIZE[1], SIZE[0], 3), 90, np.uint8)
    out = flt.render(frame, [Posed(posed(z=400))]).astype(int)
    cx = (SIZE[0] - 1) / 2
    flipped = out[:, ::-1]  # about x = (width - 1) / 2, the principal point
    assert cx == (SIZE[0] - 1) / 2
    changed = (out != 90).any(2)
    assert changed.sum() > 500
    assert np.abs(out - flipped).max() <= 2  # left-right symmetric, stripes on the outer sides


# -- regions: no seams --------------------------------------------------------------------------------------


def test_a_picture_split_into_regions_renders_like_the_whole_picture(tmp_path: Path) -> None:
    pic = opaque((60, 120))
    pic[:, :, 0] = np.linspace(0, 255, 120).astype(np.uint8)[None]
    whole = head_filter(tmp_path / "a", [{"image": "p.png", "centre": [0, 0, -30], "size": [120, 60]}], {"p.png": pic})
    halves = [{"image": "p.png", "region": [0, 0, 50, 60], "centre": [-35, 0, -30], "size": [50, 60]},
              {"image": "p.png", "region": [50, 0, 120, 60], "centre": [25, 0, -30], "size": [70, 60]}]  # fmt: skip
    split = head_filter(tmp_path / "b", halves, {"p.png": pic})
    face = Posed(posed(0, 0, 0, 450))
    frame = background()
    a, b = whole.render(frame, [face]).astype(int), split.render(frame, [face]).astype(int)
    drawn = (a != frame).any(2)
    inside = cv2.erode(drawn.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert inside.sum() > 5000
    # No see-through seam where the two regions meet: inside the card the two renders agree (the
    # regions overlap by a few texels; only the card's anti-aliased outline is drawn twice there).
    assert np.abs(a - b).max(2)[inside].max() <= 4


# -- faces without a pose, pose measures --------------------------------------------------------------------


def test_faces_without_a_pose_get_one_estimated_from_their_landmarks(tmp_path: Path) -> None:
    flt = head_filter(tmp_path, [{"image": "c.png", "centre": [0, -10, -30], "size": [140, 50],
                                  "rotation": [0, 0, 0]}], {"c.png": opaque()})  # fmt: skip
    face = Posed(posed(25, 8, -5))
    frame = background()
    with_pose = flt.render(frame, [face]).astype(int)
    bare = flt.render(frame, [face.landmarks]).astype(int)
    assert (with_pose != frame).any()
    assert np.abs(with_pose - bare).max() <= 6  # the estimate is within a small fraction of a pixel
    assert (np.abs(with_pose - bare) > 2).mean() < 0.002


@pytest.mark.parametrize(("yaw", "shown"), [(0, False), (30, True), (-30, False)])
def test_yaw_works_in_a_when_condition(tmp_path: Path, yaw: float, shown: bool) -> None:
    flt = head_filter(tmp_path, [{"image": "c.png", "centre": [0, 0, -40], "size": [100, 60]}], {"c.png": opaque()},
                      when={"measure": "yaw", "above": 15, "fade": 2})  # fmt: skip
    frame = background()
    assert (flt.render(frame, [Posed(posed(yaw))]) != frame).any() == shown


def test_pose_conditions_work_on_2d_layers_and_faces_without_a_pose(tmp_path: Path) -> None:
    folder = tmp_path / "nod"
    folder.mkdir()
    cv2.imwrite(str(folder / "s.png"), opaque())
    cv2.imwrite(str(folder / "thumbnail.png"), thumbnail())
    (folder / "manifest.json").write_text(json.dumps({"format": 1, "title": "Nod", "layers": [
        {"placement": "similarity", "image": "s.png", "anchors": [36, 45], "image_points": [[0, 0], [63, 0]],
         "when": {"measure": "pitch", "above": 12}}]}))  # fmt: skip
    flt = Filter.load(folder)
    frame = background()
    assert (flt.render(frame, [Posed(posed(0, 25)).landmarks]) != frame).any()
    assert not (flt.render(frame, [Posed(posed(0, 0)).landmarks]) != frame).any()


# -- the manifest -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "field"),
    [
        ({"planes": []}, "layers[0].planes"),
        ({}, "layers[0].planes"),
        ({"planes": [{"image": "c.png", "size": [10, 10]}]}, "layers[0].planes[0].centre"),
        ({"planes": [{"image": "c.png", "centre": [0, 0], "size": [10, 10]}]}, "layers[0].planes[0].centre"),
        ({"planes": [{"image": "c.png", "centre": [0, 0, 0], "size": [10, -1]}]}, "layers[0].planes[0].size"),
        ({"planes": [{"image": "c.png", "centre": [0, 0, 0], "size": [10, 10], "rotation": [0, "x", 0]}]},
         "layers[0].planes[0].rotation"),
        ({"planes": [{"image": "c.png", "centre": [0, 0, 0], "size": [10, 10], "mirror": 1}]},
         "layers[0].planes[0].mirror"),
        ({"planes": [{"image": "c.png", "centre": [0, 0, 0], "size": [10, 10], "colour": 1}]},
         "layers[0].planes[0].colour"),
        ({"planes": [{"image": "nope.png", "centre": [0, 0, 0], "size": [10, 10]}]}, "layers[0].planes[0].image"),
        ({"planes": [{"image": "c.png", "centre": [0, 0, 0], "size": [10, 10], "region": [5, 0, 2, 8]}]},
         "layers[0].planes[0].region"),
        ({"planes": [{"image": "c.png", "centre": [0, 0, 0], "size": [10, 10], "region": [0, 0, 999, 8]}]},
         "layers[0].planes[0].region"),
        ({"planes": [{"image": "c.png", "centre": [0, 0, 0], "size": [10, 10]}], "occlude": "yes"},
         "layers[0].occlude"),
        ({"planes": [{"image": "c.png", "centre": [0, 0, 0], "size": [10, 10]}], "image": "c.png"},
         "layers[0].image"),
        ({"planes": [{"image": "c.png", "centre": [0, 0, 0], "size": [10, 10]}],
          "when": {"measure": "yaw", "above": 500}}, "layers[0].when.above"),
    ],
)
def test_manifest_errors_name_the_filter_and_the_field(tmp_path: Path, layer: dict[str, Any], field: str) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    cv2.imwrite(str(folder / "c.png"), opaque())
    cv2.imwrite(str(folder / "thumbnail.png"), thumbnail())
    (folder / "manifest.json").write_text(json.dumps({"format": 1, "title": "Bad", "layers": [
        {"placement": "head", **layer}]}), encoding="utf-8")  # fmt: skip
    with pytest.raises(FilterError) as err:
        Filter.load(folder)
    assert err.value.filter_name == "bad"
    assert err.value.field == field, str(err.value)


# -- the built-ins ------------------------------------------------------------------------------------------


def test_built_in_head_space_filters_load_and_draw_on_a_turned_face() -> None:
    filters = builtin_filters()
    head = [f for f in filters.values() if any(la.placement is Placement.HEAD for la in f.manifest.layers)]
    names = {f.name for f in head}
    assert {"sunglasses", "round_glasses", "masquerade", "crown", "party_hat", "dog", "cat"} <= names
    assert len(names - {"sunglasses", "round_glasses", "masquerade", "crown", "party_hat", "dog", "cat"}) >= 2
    frame = background()
    for flt in head:
        for yaw in (-35, 0, 35):
            assert (flt.render(frame, [Posed(posed(yaw, 5, 0, 700))]) != frame).any(), (flt.name, yaw)


def test_the_sunglasses_far_arm_disappears_when_the_head_turns() -> None:
    """Turned 20 or 40 deg, only the near arm faces the camera (the far one is culled); facing the
    camera, both are edge-on."""
    flt = builtin_filters()["sunglasses"]
    layer = next(la for la in flt._layers if isinstance(la, HeadLayer))
    arms = [i for i, p in enumerate(layer.planes) if abs(p.normal[0]) > 0.9]
    assert len(arms) == 2

    def drawn(yaw: float) -> set[int]:
        face = Posed(posed(yaw, 0, 0, 600))
        view = face_view(face.pose, face.landmarks)
        return {i for i in arms if layer.planes[i].normal @ (view.camera - layer.planes[i].centre) > 0}

    assert len(drawn(0)) in (0, 2)
    for yaw in (20, 40):
        assert len(drawn(yaw)) == 1 and len(drawn(-yaw)) == 1
        assert drawn(yaw) != drawn(-yaw)


# -- old manifests render as before --------------------------------------------------------------------------


def test_the_manifests_from_before_head_space_render_exactly_as_then() -> None:
    """The references were rendered by the code of commit fdd5ee5 (tests/filters/reference_2d.py).
    The seven filters that moved to head space are kept as they were then in
    tests/filters/data/manifests_2d (copied from that commit); they, and the six built-ins that did
    not change, must render identically today."""
    refs = sorted(REFERENCES.glob("*.png"))
    assert len(refs) == 13
    kept = {d.name: Filter.load(d) for d in sorted(FLAT_2D.iterdir()) if d.is_dir()}
    assert set(kept) == {"sunglasses", "round_glasses", "dog", "cat", "crown", "party_hat", "masquerade"}
    filters = {**builtin_filters(), **kept}
    for ref in refs:
        expected = cv2.imread(str(ref), cv2.IMREAD_COLOR)
        assert np.array_equal(render_reference(filters[ref.stem]), expected), ref.stem


def test_built_in_2d_filters_still_render_as_their_references() -> None:
    """Without git: the built-ins still in 2-D and unchanged since then render like the references."""
    filters = builtin_filters()
    checked = 0
    for ref in sorted(REFERENCES.glob("*.png")):
        flt = filters.get(ref.stem)
        if flt is None or any(la.placement is Placement.HEAD or getattr(la, "animation", None) is not None
                              for la in flt.manifest.layers):  # fmt: skip
            continue
        assert np.array_equal(render_reference(flt), cv2.imread(str(ref), cv2.IMREAD_COLOR)), ref.stem
        checked += 1
    assert checked >= 5  # beard, big eyes, clown nose, face paint, moustache, slim face


def test_the_reference_scene_is_what_the_references_were_rendered_on() -> None:
    # Guard against editing reference_2d.py: a filter with a single opaque sticker renders on the
    # scene only where the sticker is, so the scene itself must equal the references' background.
    ref = cv2.imread(str(REFERENCES / "big_eyes.png"), cv2.IMREAD_COLOR)
    from tests.filters.reference_2d import reference_scene

    frame, _ = reference_scene()
    assert frame.shape == ref.shape
    assert (frame == ref).all(2).mean() > 0.8  # the eye warp changes only the eyes
