"""Particle emitters: reproducible, capped, exact motion, one-pass compositing, manifest fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from facefilter.filters import Filter, FilterError, render
from facefilter.filters import particles as pt
from tests.filters.helpers import blob_sprite, thumbnail
from tests.filters.lens_faces import FakeFace, expression

FRAME = np.full((240, 320, 3), 70, np.uint8)


def particle_filter(root: Path, emitter: dict[str, Any], name: str = "p", **layer: Any) -> Filter:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(folder / "dot.png"), blob_sprite((32, 32), [(15.5, 15.5)], sigma=6.0))
    cv2.imwrite(str(folder / "thumbnail.png"), thumbnail())
    manifest = {"title": "P", "layers": [{"placement": "particles", "image": "dot.png", "emitter": emitter, **layer}]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return Filter.load(folder)


SPRAY = {"anchor": [30], "rate": 60, "lifetime": 1.0, "velocity": [0, -1.0], "spread": 120, "speed_jitter": 0.5,
         "gravity": [0, 0.8], "drag": 0.4, "size": 0.2, "size_jitter": 0.3, "spin_jitter": 90, "fade_out": 0.3,
         "area": [0.3, 0.1], "max_particles": 200}  # fmt: skip


def play(flt: Filter, faces: list[FakeFace], times: list[float]) -> list[np.ndarray]:
    return [flt.render(FRAME, faces, t) for t in times]


def live_count(flt: Filter) -> int:
    assert flt.state is not None
    return sum(len(s) for f in flt.state.faces.values() for s in f.slots.values())


def test_replaying_the_same_frames_and_times_gives_the_same_pictures(tmp_path: Path) -> None:
    flt = particle_filter(tmp_path, SPRAY)
    face = [FakeFace(expression(), id=7)]
    times = [i / 30 for i in range(40)]
    first = play(flt, face, times)
    flt.reset()
    again = play(flt, face, times)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[-1], FRAME)  # particles were drawn
    other = particle_filter(tmp_path, SPRAY, "q")  # another face id seeds other particles
    assert not np.array_equal(play(other, [FakeFace(expression(), id=8)], times)[-1], first[-1])


def test_the_seed_changes_the_particles(tmp_path: Path) -> None:
    times = [i / 30 for i in range(20)]
    a = play(particle_filter(tmp_path, SPRAY, "a"), [FakeFace(expression())], times)[-1]
    b = play(particle_filter(tmp_path, {**SPRAY, "seed": 5}, "b"), [FakeFace(expression())], times)[-1]
    assert not np.array_equal(a, b)


def test_the_count_is_capped_and_the_oldest_go_first(tmp_path: Path) -> None:
    flt = particle_filter(tmp_path, {**SPRAY, "rate": 500, "lifetime": 5.0, "max_particles": 50})
    face = [FakeFace(expression())]
    play(flt, face, [i / 30 for i in range(30)])
    assert live_count(flt) == 50
    sysm = next(iter(flt.state.faces.values())).slots[0]  # type: ignore[union-attr]
    assert sysm.birth.min() > 0.8  # born in the last 0.1 s: the older ones were dropped


def test_particles_die_after_their_lifetime_and_stop_when_the_trigger_releases(tmp_path: Path) -> None:
    flt = particle_filter(tmp_path, {**SPRAY, "trigger": "mouth_open", "lifetime": 0.5})
    rest, wide = FakeFace(expression()), FakeFace(expression(mouth=0.35))
    times = iter(i / 30 for i in range(200))
    for _ in range(30):
        assert np.array_equal(flt.render(FRAME, [rest], next(times)), FRAME)
    for _ in range(15):
        flt.render(FRAME, [wide], next(times))
    assert live_count(flt) == pytest.approx(30, abs=2)  # 60 a second for 0.5 s
    for _ in range(20):  # closed for 0.67 s: the last ones have died
        out = flt.render(FRAME, [rest], next(times))
    assert live_count(flt) == 0 and np.array_equal(out, FRAME)


def test_a_burst_on_a_hovering_mouth_fires_once(tmp_path: Path) -> None:
    """The mouth opening hovers at the trigger's threshold: one burst, not one per crossing."""
    flt = particle_filter(tmp_path, {**SPRAY, "trigger": "mouth_open", "emit": "once", "burst": 10, "lifetime": 9.0})
    rng = np.random.default_rng(1)
    for i in range(30):
        flt.render(FRAME, [FakeFace(expression())], i / 30)
    for i in range(30, 120):  # the template's lips: mouth 0.22 +- 0.03 (face-size units ~ template units here)
        flt.render(FRAME, [FakeFace(expression(mouth=0.235 + rng.uniform(-0.03, 0.03)))], i / 30)
    assert live_count(flt) == 10


def test_motion_is_exact_under_gravity_and_drag() -> None:
    """The closed form against a fine numerical integration of v' = g - k v."""
    spec = pt.EmitterSpec(anchor=(30,), rate=0.0, burst=1, velocity=(0.5, -2.0), gravity=(0.3, 4.0), drag=1.3)
    sysm = pt.ParticleSystem(spec, np.random.default_rng(0))
    axes = np.eye(2) * 50.0
    sysm.step(0.0, np.array([100.0, 100.0]), axes, False, True, 1)
    _, pos, vel = sysm.kinematics(1.2)
    p, v, g, dt = np.array([100.0, 100.0]), sysm.v0[0].copy(), sysm.g[0], 1e-5
    for _ in range(round(1.2 / dt)):
        v = v + (g - spec.drag * v) * dt
        p = p + v * dt
    np.testing.assert_allclose(pos[0], p, atol=1e-2)
    np.testing.assert_allclose(vel[0], v, atol=1e-2)


def test_positions_do_not_depend_on_the_frame_rate() -> None:
    spec = pt.EmitterSpec(anchor=(30,), rate=40, lifetime=3.0, velocity=(0, -1), spread=90, gravity=(0, 2), drag=0.5)
    out = []
    for fps in (30, 60):
        sysm = pt.ParticleSystem(spec, np.random.default_rng(3))
        for i in range(fps + 1):  # one second
            sysm.step(i / fps, np.array([50.0, 50.0]), np.eye(2) * 40, True, False, 1)
        out.append(sysm.kinematics(1.0)[1])
    np.testing.assert_allclose(out[0], out[1], atol=1e-9)


def test_a_moving_anchor_leaves_a_continuous_trail() -> None:
    """Particles born between two frames start along the anchor's path, not all at its end."""
    spec = pt.EmitterSpec(anchor=(30,), rate=300, lifetime=3.0)
    sysm = pt.ParticleSystem(spec, np.random.default_rng(0))
    sysm.step(0.0, np.array([0.0, 0.0]), np.eye(2), True, False, 1)
    sysm.step(0.1, np.array([30.0, 0.0]), np.eye(2), True, False, 1)
    xs = np.sort(sysm.p0[:, 0])
    assert len(xs) == 31 and np.abs(np.diff(xs) - 1.0).max() < 1e-9


def test_one_pass_compositing_matches_over_in_floating_point() -> None:
    """60 overlapping, turned, fading sprites composited in order, against the premultiplied
    "over" operator applied one by one in float64 (an independent reference)."""
    rng = np.random.default_rng(0)
    img = np.zeros((48, 48, 4), np.uint8)
    cv2.circle(img, (24, 24), 18, (40, 90, 230, 255), -1, cv2.LINE_AA)
    cv2.rectangle(img, (20, 4), (28, 44), (240, 240, 240, 160), -1)
    atlas = pt.SpriteAtlas([render.Sprite.from_bgra(img)])
    n = 60
    pos, size = rng.uniform(0, 200, (n, 2)), rng.uniform(10, 40, n)
    angle, alpha = rng.uniform(-180, 180, n), np.clip(rng.uniform(0.1, 1.6, n), 0, 1)
    frame = np.full((200, 200, 3), 60, np.uint8)
    frame[:, 100:] = (200, 120, 30)
    out = frame.copy()
    pt.draw_sprites(out, atlas, pos, size, angle, alpha, np.zeros(n, int))
    acc = frame.astype(np.float64) / 255
    for i in range(n):
        qs = round(np.log2(size[i]) * pt.SIZE_STEPS)
        qa = round(angle[i] / 360 * pt.ANGLE_STEPS) % pt.ANGLE_STEPS
        spr, _, _, cx, cy = atlas.get(0, qs, qa)
        x0, y0 = round(pos[i, 0] - cx), round(pos[i, 1] - cy)
        src = spr.astype(np.float64) / 255 * alpha[i]
        for y in range(spr.shape[0]):
            for x in range(spr.shape[1]):
                fx, fy = x0 + x, y0 + y
                if 0 <= fx < 200 and 0 <= fy < 200:
                    acc[fy, fx] = src[y, x, :3] + acc[fy, fx] * (1 - src[y, x, 3])
    ref = np.round(acc * 255).astype(int)
    assert np.abs(out.astype(int) - ref).max() <= 3
    assert (np.abs(out.astype(int) - frame).max(2) > 20).mean() > 0.2  # most of the picture was drawn on


def test_a_ribbon_is_one_continuous_band(tmp_path: Path) -> None:
    stream = {"anchor": [62], "rate": 40, "lifetime": 1.0, "velocity": [0, 1.5], "gravity": [0, 3], "size": 0.3,
              "style": "ribbon", "fade_out": 0.2}  # fmt: skip
    flt = particle_filter(tmp_path, stream)
    face = FakeFace(expression(centre=(160, 60), iod=50))
    for i in range(30):
        out = flt.render(FRAME, [face], i / 30)
    drawn = np.abs(out.astype(int) - FRAME).max(2) > 30
    x_mouth = round(face.landmarks[62, 0])
    column = drawn[round(face.landmarks[62, 1]) + 3 :, x_mouth - 2 : x_mouth + 3].any(1)
    ys = np.flatnonzero(column)
    assert len(ys) > 80 and np.all(np.diff(ys) == 1)  # a long band from the mouth down, without gaps


@pytest.mark.parametrize(
    ("emitter", "field", "message"),
    [
        ({"rate": 5}, "emitter.anchor", "missing required field"),
        ({"anchor": 70}, "emitter.anchor", "landmark index"),
        ({"anchor": 30, "rate": -1}, "emitter.rate", "must be in"),
        ({"anchor": 30, "lifetime": 0}, "emitter.lifetime", "must be in (0"),
        ({"anchor": 30, "style": "smoke"}, "emitter.style", "expected one of"),
        ({"anchor": 30, "velocity": [1]}, "emitter.velocity", "expected [x, y]"),
        ({"anchor": 30, "max_particles": 5000}, "emitter.max_particles", "must be in"),
        ({"anchor": 30, "gravty": [0, 1]}, "emitter.gravty", "did you mean 'gravity'"),
        ({"anchor": 30, "align": "yes"}, "emitter.align", "true or false"),
    ],
)
def test_emitter_fields_are_validated_by_name(tmp_path: Path, emitter: dict, field: str, message: str) -> None:
    with pytest.raises(FilterError, match=r"layers\[0\]\." + field.replace(".", r"\.")) as err:
        particle_filter(tmp_path, emitter)
    assert message in str(err.value)


def test_a_particle_layer_needs_its_emitter(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    cv2.imwrite(str(folder / "dot.png"), blob_sprite((8, 8), [(4, 4)]))
    cv2.imwrite(str(folder / "thumbnail.png"), thumbnail())
    layer = {"placement": "particles", "image": "dot.png", "anchors": [30, 31]}
    (folder / "manifest.json").write_text(json.dumps({"title": "X", "layers": [layer]}))
    with pytest.raises(FilterError, match="unknown field for placement 'particles'"):
        Filter.load(folder)
