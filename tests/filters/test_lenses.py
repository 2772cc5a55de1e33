"""Lenses over time: animated layers, per-face state, the built-in lenses, and old filters unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from facefilter.filters import Filter, FilterError, builtin_filters
from facefilter.filters.animation import Loop, frame_index, read_frames
from tests.filters.helpers import thumbnail
from tests.filters.lens_faces import FakeFace, expression
from tests.filters.reference_2d import reference_scene

COLOURS = [(0, 0, 255), (0, 255, 0), (255, 0, 0), (0, 255, 255)]  # BGR, one per frame
FRAME = np.full((240, 320, 3), 60, np.uint8)


@pytest.fixture(scope="module")
def builtins() -> dict[str, Filter]:
    return builtin_filters()


def square_frames(size: int = 24) -> list[np.ndarray]:
    """Four opaque straight BGRA frames of different colours."""
    return [np.dstack([np.full((size, size, 3), c, np.uint8), np.full((size, size), 255, np.uint8)]) for c in COLOURS]


def save_frames(path: Path, kind: str) -> str:
    frames = square_frames()
    if kind == "folder":
        path.mkdir()
        for i, f in enumerate(frames):
            cv2.imwrite(str(path / f"frame_{i + 1}.png"), f)  # natural order: frame_10 would sort after frame_9
        return path.name
    ims = [Image.fromarray(cv2.cvtColor(f, cv2.COLOR_BGRA2RGBA)) for f in frames]
    name = f"{path.name}.{kind}"
    extra = {"lossless": True} if kind == "webp" else {}
    ims[0].save(path.parent / name, save_all=True, append_images=ims[1:], duration=100, loop=0, **extra)
    return name


@pytest.mark.parametrize("kind", ["png", "gif", "webp", "folder"])
def test_animated_png_gif_webp_and_folders_read_the_same_frames(tmp_path: Path, kind: str) -> None:
    name = save_frames(tmp_path / "anim", kind)
    frames, fps = read_frames(tmp_path / name)
    assert len(frames) == 4
    for f, c in zip(frames, COLOURS, strict=True):
        np.testing.assert_allclose(f[12, 12, :3], c, atol=2)
        assert f[12, 12, 3] == 255
    assert fps == (None if kind == "folder" else pytest.approx(10.0))


def animated_filter(root: Path, animation: dict, kind: str = "png") -> Filter:
    folder = root / "anim"
    folder.mkdir(parents=True)
    image = save_frames(folder / "frames", kind)
    cv2.imwrite(str(folder / "thumbnail.png"), thumbnail())
    layer = {"placement": "similarity", "image": image, "anchors": [36, 45], "image_points": [[0, 12], [23, 12]],
             "animation": animation}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps({"title": "Anim", "layers": [layer]}))
    return Filter.load(folder)


def shown(out: np.ndarray, face: FakeFace) -> int | None:
    """Which frame's colour is drawn between the eyes (None: nothing)."""
    x, y = np.round(face.landmarks[[36, 45]].mean(0)).astype(int)
    px = out[y, x].astype(int)
    for i, c in enumerate(COLOURS):
        if np.abs(px - c).max() < 8:
            return i
    return None


def test_frames_advance_with_time_not_with_the_number_of_renders(tmp_path: Path) -> None:
    flt = animated_filter(tmp_path, {"fps": 10, "loop": "loop"})
    face = FakeFace(expression())
    assert shown(flt.render(FRAME, [face], 0.0), face) == 0
    for _ in range(20):  # many renders of the same instant: still frame 0
        assert shown(flt.render(FRAME, [face], 0.05), face) == 0
    assert shown(flt.render(FRAME, [face], 0.25), face) == 2
    flt.reset()
    seen = [shown(flt.render(FRAME, [face], t), face) for t in np.arange(0, 0.8, 1 / 60)]  # 60 renders a second
    assert seen[::2] == [shown(flt.render(FRAME, [face], t), face) for t in np.arange(0, 0.8, 1 / 30)][: len(seen[::2])]
    assert seen[0:6] == [0] * 6 and seen[6] == 1 and seen[24] == 0  # 0.1 s a frame, 4 frames then round again


def test_loop_once_and_pingpong() -> None:
    assert [frame_index(p, 4, Loop.LOOP) for p in range(9)] == [0, 1, 2, 3, 0, 1, 2, 3, 0]
    assert [frame_index(p, 4, Loop.ONCE) for p in range(9)] == [0, 1, 2, 3, 3, 3, 3, 3, 3]
    assert [frame_index(p, 4, Loop.PINGPONG) for p in range(9)] == [0, 1, 2, 3, 2, 1, 0, 1, 2]


def test_an_animation_started_by_a_trigger_plays_once_then_hides(tmp_path: Path) -> None:
    flt = animated_filter(tmp_path, {"fps": 10, "loop": "once", "trigger": "mouth_open"})
    rest, wide = FakeFace(expression()), FakeFace(expression(mouth=0.35))
    seen = [shown(flt.render(FRAME, [rest], i / 30), rest) for i in range(30)]
    assert seen == [None] * 30  # hidden until the trigger fires
    seen = [shown(flt.render(FRAME, [wide], 1 + i / 30), wide) for i in range(20)]
    assert seen[0] == 0 and seen[3] == 1 and seen[11] == 3 and seen[12:] == [None] * 8  # 0.4 s: done


def test_a_while_animation_rolls_out_holds_and_rolls_back(tmp_path: Path) -> None:
    flt = animated_filter(tmp_path, {"fps": 10, "loop": "once", "trigger": "mouth_open", "play": "while"})
    rest, wide = FakeFace(expression()), FakeFace(expression(mouth=0.35))
    for i in range(30):
        flt.render(FRAME, [rest], i / 30)
    out = [shown(flt.render(FRAME, [wide], 1 + i / 30), wide) for i in range(24)]
    assert out[0] == 0 and out[3] == 1 and out[-1] == 3  # forward, then holds the last frame
    back = [shown(flt.render(FRAME, [rest], 1.8 + i / 30), rest) for i in range(15)]
    assert back[:10] == [2, 2, 2, 1, 1, 1, 0, 0, 0, None]  # backward at the same pace, then gone


def test_the_puppy_tongue_comes_out_and_goes_back(builtins: dict[str, Filter]) -> None:
    dog = builtins["dog"]
    dog.reset()
    frame = np.full((300, 300, 3), 80, np.uint8)
    rest = FakeFace(expression(centre=(150, 110), iod=80))
    wide = FakeFace(expression(centre=(150, 110), iod=80, mouth=0.3))

    def tongue(face: FakeFace, t: float) -> int:
        out = dog.render(frame, [face], t)
        y = int(face.landmarks[48, 1])
        below = out[y : y + 80, 110:190].astype(int)
        return int(((below[..., 2] - below[..., 1]) > 60).sum())  # pink pixels below the mouth corners

    assert [tongue(rest, i / 30) for i in range(30)] == [0] * 30
    out = [tongue(wide, 1 + i / 30) for i in range(15)]
    assert out[0] < out[3] < out[8] and out[-1] > 500  # it grows over several frames, not at once
    back = [tongue(rest, 1.5 + i / 30) for i in range(15)]
    assert back[0] > back[6] > back[9] > 0 and back[-1] == 0  # it slides back in, then is gone


def test_two_faces_animate_independently(builtins: dict[str, Filter]) -> None:
    hearts = builtins["hearts"]
    hearts.reset()
    frame = np.full((300, 640, 3), 200, np.uint8)
    a = dict(centre=(160.0, 150.0), iod=70.0)
    b = dict(centre=(480.0, 150.0), iod=70.0)
    for i in range(40):
        hearts.render(frame, [FakeFace(expression(**a), 1), FakeFace(expression(**b), 2)], i / 30)
    for i in range(40, 70):  # face 1 smiles
        out = hearts.render(frame, [FakeFace(expression(**a, smile=0.07), 1), FakeFace(expression(**b), 2)], i / 30)
    red = (out[..., 2].astype(int) - out[..., 1]) > 80
    assert red[:, :320].sum() > 2000 and red[:, 320:].sum() == 0


def test_rainbow_starts_when_the_mouth_opens_and_stops_when_it_closes(builtins: dict[str, Filter]) -> None:
    rainbow = builtins["rainbow"]
    rainbow.reset()
    frame = np.full((400, 300, 3), 90, np.uint8)
    rest = FakeFace(expression(centre=(150, 100), iod=70))
    wide = FakeFace(expression(centre=(150, 100), iod=70, mouth=0.35))

    def stream(face: FakeFace, t: float) -> int:
        out = rainbow.render(frame, [face], t)
        return int((np.abs(out[200:].astype(int) - 90).max(2) > 40).sum())  # below the chin

    assert max(stream(rest, i / 30) for i in range(30)) == 0
    flowing = [stream(wide, 1 + i / 30) for i in range(30)]
    assert flowing[0] == 0 and flowing[-1] > 3000
    after = [stream(rest, 2 + i / 30) for i in range(45)]
    assert after[0] > 3000 and after[-1] == 0  # the tail falls away, then nothing


def test_a_still_image_uses_and_keeps_no_state(builtins: dict[str, Filter]) -> None:
    hearts = builtins["hearts"]
    hearts.reset()
    smile = FakeFace(expression(centre=(160, 150), iod=70, smile=0.08))
    frame = np.full((300, 320, 3), 200, np.uint8)
    still = hearts.render(frame, [smile])
    assert hearts.state is not None and hearts.state.faces == {}
    assert not np.array_equal(still, frame)  # the still shows heart eyes and hearts for a smiling photo
    np.testing.assert_array_equal(hearts.render(frame, [smile]), still)
    assert hearts.render(frame, [smile], 0.0) is not None and len(hearts.state.faces) == 1
    hearts.reset()
    assert hearts.state.faces == {}


def test_old_manifests_render_the_same_with_and_without_a_time(builtins: dict[str, Filter]) -> None:
    frame, faces = reference_scene()
    old = [f for f in builtins.values() if not any(x.animation or x.emitter for x in f.manifest.layers)]
    assert len(old) >= 10
    for flt in old:
        assert flt.state is None
        ref = flt.render(frame, faces)
        for t in (0.0, 0.5, 3.0):
            np.testing.assert_array_equal(flt.render(frame, faces, t), ref, err_msg=flt.name)


def test_the_puppy_still_matches_its_picture_from_before_the_animation(builtins: dict[str, Filter]) -> None:
    """On a photo the tongue is the one the puppy had before it moved: the reference render from
    before (tests/filters/reference_2d.py) below the open mouth of the scene's second face (its
    ears have changed since, so only the tongue's box is compared)."""
    path = Path(__file__).parent / "data" / "reference_2d" / "dog.png"
    frame, faces = reference_scene()
    x0, x1 = round(faces[1][48, 0]) - 4, round(faces[1][54, 0]) + 4
    y0, y1 = round(faces[1][[48, 54], 1].max()) + 4, round(faces[1][57, 1]) + 20
    box = np.s_[y0:y1, x0:x1]
    out = builtins["dog"].render(frame, faces)
    np.testing.assert_array_equal(out[box], cv2.imread(str(path))[box])
    assert (np.abs(out[box].astype(int) - frame[box]).max(2) > 40).sum() > 100  # the tongue is there


def test_animation_fields_are_validated(tmp_path: Path) -> None:
    with pytest.raises(FilterError, match=r"layers\[0\]\.animation\.play: 'while' needs a 'trigger'"):
        animated_filter(tmp_path / "a", {"play": "while"})
    with pytest.raises(FilterError, match=r"layers\[0\]\.animation\.loop: expected one of"):
        animated_filter(tmp_path / "b", {"loop": "bounce"})
    with pytest.raises(FilterError, match=r"layers\[0\]\.animation\.fps: must be in"):
        animated_filter(tmp_path / "c", {"fps": 0})
