"""Triggers: hysteresis, per-face baselines, winks and blinks, head moves, and the 300-W thresholds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from facefilter.filters import FilterError, geometry
from facefilter.filters import triggers as tr
from facefilter.filters.manifest import parse_manifest
from facefilter.filters.state import FaceInput, LiveFaces
from tests.filters.lens_faces import expression

SMILE = tr.DEFAULTS[tr.Event.SMILE]
OPEN = tr.DEFAULTS[tr.Event.MOUTH_OPEN]


def face_input(points: np.ndarray, key: int = 1) -> FaceInput:
    return FaceInput(key, points, geometry.face_scale(points))


def test_a_signal_hovering_at_the_threshold_fires_once() -> None:
    rng = np.random.default_rng(0)
    st = tr.TriggerState()
    st.step(0.0, OPEN, 0.0, first=True)
    fired = 0
    for i in range(1, 300):  # jitter of +-0.03 around 'on' (0.22): inside the band down to 'off' (0.15)
        st.step(i / 30, OPEN, OPEN.on + rng.uniform(-0.03, 0.03))
        fired += st.fired
    assert fired == 1 and st.count == 1 and st.active
    st.step(10.0, OPEN, OPEN.off - 0.01)
    assert not st.active and st.until == 10.0


def test_without_a_band_the_same_signal_would_flicker() -> None:
    """The same jitter against a trigger whose 'off' sits just under 'on' fires again and again:
    the test above is not passing by accident."""
    rng = np.random.default_rng(0)
    narrow = tr.TriggerSpec(tr.Event.MOUTH_OPEN, OPEN.on, OPEN.on - 1e-6)
    st = tr.TriggerState()
    st.step(0.0, narrow, 0.0, first=True)
    for i in range(1, 300):
        st.step(i / 30, narrow, narrow.on + rng.uniform(-0.03, 0.03))
    assert st.count > 20


def test_a_mouth_open_from_the_first_frame_holds_but_does_not_fire() -> None:
    st = tr.TriggerState()
    st.step(0.0, OPEN, 0.4, first=True)
    assert st.active and not st.fired and st.count == 0


def test_hold_delays_firing_and_a_short_blip_never_fires() -> None:
    wink = tr.DEFAULTS[tr.Event.WINK]
    st = tr.TriggerState()
    st.step(0.0, wink, 0.0, first=True)
    st.step(0.033, wink, 0.9)
    st.step(0.066, wink, 0.0)  # one eye shut for one frame: the start of a blink
    assert st.count == 0
    for i in range(3, 10):
        st.step(i / 30, wink, 0.9)
    assert st.count == 1 and st.since is not None and st.since - 0.1 >= 0.1 - 1e-9


def run(live: LiveFaces, frames: list[list[np.ndarray]], t0: float = 0.0) -> list[dict[int, bool]]:
    """Feed frames of faces (keys 1, 2, ...) at 30 fps; per frame, smile state by key."""
    out = []
    for i, faces in enumerate(frames):
        lives = live.update([face_input(p, k + 1) for k, p in enumerate(faces)], t0 + i / 30, (640, 480))
        out.append({lv.key: lv.trigger(SMILE).active for lv in lives})
    return out


def test_baselines_let_a_wide_and_a_narrow_mouth_both_smile_and_both_rest() -> None:
    """Two people whose neutral mouths differ by 50%: against the population the wide one would
    "smile" at rest and the narrow one's smile would not count; against their own baselines
    both are quiet at rest and both trigger when smiling."""
    narrow = dict(centre=(160.0, 200.0), mouth_width=0.8)
    wide = dict(centre=(460.0, 200.0), mouth_width=1.2)
    rest = [expression(**narrow), expression(**wide)]
    smiling = [expression(**narrow, smile=0.07), expression(**wide, smile=0.07)]

    def population_signal(p: np.ndarray) -> float:
        return tr.signal(tr.Event.SMILE, tr.face_measures(p, geometry.face_scale(p)), tr.POPULATION)

    assert population_signal(rest[1]) > SMILE.on  # the wide mouth at rest
    assert population_signal(smiling[0]) < SMILE.on  # the narrow one smiling
    live = LiveFaces(frozenset({SMILE}))
    states = run(live, [rest] * 45 + [smiling] * 15 + [rest] * 15)
    assert not any(any(s.values()) for s in states[:45])  # 1.5 s at rest: neither smiles
    assert states[59] == {1: True, 2: True}  # both smile
    assert states[-1] == {1: False, 2: False}  # and both stop


def test_one_face_smiling_does_not_trigger_the_other() -> None:
    a, b = dict(centre=(160.0, 200.0)), dict(centre=(460.0, 200.0))
    rest = [expression(**a), expression(**b)]
    live = LiveFaces(frozenset({SMILE}))
    states = run(live, [rest] * 40 + [[expression(**a, smile=0.06), expression(**b)]] * 10)
    assert states[-1] == {1: True, 2: False}


def test_a_face_that_leaves_and_comes_back_starts_fresh() -> None:
    live = LiveFaces(frozenset({SMILE}))
    rest, smile = [expression()], [expression(smile=0.06)]
    run(live, [rest] * 40 + [smile] * 5)
    first = live.faces[1]
    assert first.trigger(SMILE).active
    live.update([], 45 / 30, (640, 480))  # gone for a frame
    lives = live.update([face_input(expression(smile=0.06))], 46 / 30, (640, 480))
    assert lives[0] is not first and lives[0].age == 0.0
    assert not lives[0].trigger(SMILE).active  # a new baseline: its smile is its neutral for now


def test_time_going_backwards_forgets_every_face() -> None:
    live = LiveFaces(frozenset({SMILE}))
    run(live, [[expression()]] * 10, t0=5.0)
    old = live.faces[1]
    live.update([face_input(expression())], 1.0, (640, 480))
    assert live.faces[1] is not old and live.faces[1].first_t == 1.0


def eye_states(frames: list[np.ndarray], specs: list[tr.TriggerSpec]) -> list[list[bool]]:
    live = LiveFaces(frozenset(specs))
    out = []
    for i, p in enumerate(frames):
        lv = live.update([face_input(p)], i / 30, (640, 480))[0]
        out.append([lv.trigger(s).active for s in specs])
    return out


def test_a_wink_is_not_a_blink_and_a_blink_is_not_a_wink() -> None:
    specs = [tr.DEFAULTS[e] for e in (tr.Event.WINK, tr.Event.WINK_RIGHT, tr.Event.WINK_LEFT, tr.Event.BLINK)]
    rest = [expression()] * 40
    wink = eye_states(rest + [expression(close_right=0.95)] * 8, specs)
    assert wink[-1] == [True, True, False, False]
    blink = eye_states(rest + [expression(close_right=0.95, close_left=0.95)] * 8, specs)
    assert blink[-1] == [False, False, False, True]
    assert not any(any(s) for s in wink[:40])


def test_nod_and_shake_from_the_pose_angles() -> None:
    nod, shake = tr.DEFAULTS[tr.Event.NOD], tr.DEFAULTS[tr.Event.SHAKE]
    trig = tr.FaceTriggers(frozenset({nod, shake}), 0.0)
    fired = {nod: 0, shake: 0}
    for i in range(60):  # a nod: the pitch goes 12 deg down and back within 0.6 s
        t = i / 30
        pitch = 12 * np.sin(np.pi * min(t, 0.6) / 0.6) if t > 0 else 0.0
        trig.step(t, None, tr.POPULATION, (1.0, pitch))
        for s in fired:
            fired[s] += trig.states[s].fired
    assert fired == {nod: 1, shake: 0}
    slow = tr.FaceTriggers(frozenset({nod}), 0.0)
    for i in range(180):  # looking down and back up over 6 s is not a nod
        t = i / 30
        slow.step(t, None, tr.POPULATION, (0.0, 15 * np.sin(np.pi * t / 6)))
        assert not slow.states[nod].fired


def test_still_images_are_judged_against_the_population() -> None:
    specs = frozenset({OPEN, SMILE})
    open_mouth = expression(mouth=0.3)
    lv = LiveFaces(specs).update([face_input(open_mouth)], None, (640, 480))[0]
    assert lv.still and lv.trigger(OPEN).active and not lv.trigger(SMILE).active


@pytest.mark.parametrize(
    ("trigger", "message"),
    [
        ({"event": "smile", "on": 0.05, "off": 0.1}, "'on' (0.05) must be above 'off' (0.1)"),
        ({"event": "mouth_closed", "on": 0.3, "off": 0.2}, "must be below"),
        ({"event": "grin"}, "expected one of"),
        ({"event": "nod", "amplitude": 0}, "needs an amplitude"),
        ("sneeze", "expected one of"),
        ({"event": "smile", "onn": 0.2}, "did you mean 'on'"),
    ],
)
def test_trigger_fields_are_validated_by_name(tmp_path: Path, trigger: object, message: str) -> None:
    (tmp_path / "p.png").write_bytes(b"")
    (tmp_path / "thumbnail.png").write_bytes(b"")
    layer = {"placement": "particles", "image": "p.png", "emitter": {"anchor": 30, "trigger": trigger}}
    with pytest.raises(FilterError, match=r"layers\[0\]\.emitter\.trigger") as err:
        parse_manifest({"title": "T", "layers": [layer]}, tmp_path, "t")
    assert message in str(err.value)


def test_static_thresholds_on_the_annotated_300w_faces(ibug_dir: Path) -> None:
    """The numbers quoted in facefilter.filters.triggers: annotated closed eyes are all below the
    closed-eye threshold and few open eyes are; closed mouths never count as open."""
    from facefilter.data import discover

    records = discover(ibug_dir).records
    pts = [r.points.astype(np.float64) for r in records]
    m = np.array([tr.face_measures(p, geometry.face_scale(p)) for p in pts])
    lids = np.array([[np.linalg.norm(p[[e + 1, e + 2]] - p[[e + 5, e + 4]], axis=1).mean() for e in (36, 42)]
                     for p in pts])  # fmt: skip
    eyes = m[:, [tr.EYE_R, tr.EYE_L]]
    closed_at = 0.45 * tr.POPULATION[tr.EYE_R]  # blink 'on' 0.55: 1 - ratio > 0.55
    shut = lids < 1.0
    assert shut.sum() >= 50
    assert (eyes[shut] < closed_at).all()
    assert np.mean(eyes[~shut] < closed_at) < 0.03
    gaps = np.array([np.linalg.norm(p[[61, 62, 63]] - p[[67, 66, 65]], axis=1).mean() for p in pts])
    closed_mouth = gaps < 0.5
    assert closed_mouth.sum() > 500
    assert (m[closed_mouth, tr.MOUTH_OPEN] < OPEN.off).all()
    assert np.mean(m[:, tr.MOUTH_OPEN] > OPEN.on) < 0.06  # a deliberate opening, a few percent of photos


def test_a_nod_of_projected_3d_faces_is_found_without_a_tracker_pose() -> None:
    """Faces with no ``pose``: the state fits one (facefilter.pose.estimate_pose) from the points."""
    from facefilter.pose import MEAN_FACE_3D
    from facefilter.types import HeadPose

    nod, shake = tr.DEFAULTS[tr.Event.NOD], tr.DEFAULTS[tr.Event.SHAKE]
    live = LiveFaces(frozenset({nod, shake}))
    fired = {nod: 0, shake: 0}
    for i in range(45):
        t = i / 30
        pitch = 14 * np.sin(np.pi * min(t, 0.7) / 0.7)  # down 14 deg and back up in 0.7 s
        pose = HeadPose.from_angles(0.0, pitch, 0.0, np.array([0.0, 0.0, 600.0]), 640.0, (319.5, 239.5))
        pts = pose.project(MEAN_FACE_3D).astype(np.float64)
        lv = live.update([face_input(pts)], t, (640, 480))[0]
        for s in fired:
            fired[s] += lv.trigger(s).fired
    assert fired == {nod: 1, shake: 0}
    assert lv.pose is not None and abs(lv.pose.pitch) < 3.0  # back up


# -- expressions (the probabilities the pipeline puts in Face.extra) -----------------------------

HAPPY = tr.DEFAULTS[tr.Event.HAPPINESS]


def probs(cls: int, p: float) -> np.ndarray:
    out = np.full(8, (1 - p) / 7)
    out[cls] = p
    return out


def test_an_expression_trigger_has_a_band_a_hold_and_a_minimum_time_on() -> None:
    assert (HAPPY.on, HAPPY.off, HAPPY.hold, HAPPY.min_on) == (0.5, 0.35, 0.3, 1.0)
    ft = tr.FaceTriggers(frozenset({HAPPY}), 0.0)
    st = ft.states[HAPPY]
    ft.step(0.0, None, tr.POPULATION, None, probs(1, 0.1))
    rng = np.random.default_rng(0)
    fired_at = []
    for i in range(1, 90):  # 1 s of a clear smile, then 2 s hovering inside the band, around 'on'
        p = 0.6 + rng.uniform(-0.05, 0.05) if i < 30 else 0.45 + rng.uniform(-0.09, 0.09)
        ft.step(i / 30, None, tr.POPULATION, None, probs(1, p))
        if st.fired:
            fired_at.append(i / 30)
        if i == 9:
            assert not st.active  # 0.27 s: still within the hold
    assert len(fired_at) == 1 and 0.3 <= fired_at[0] < 0.4 and st.active  # once, after the hold
    t_on = st.since
    ft.step(t_on + 0.5, None, tr.POPULATION, None, probs(1, 0.05))  # gone at once: still held on
    assert st.active
    ft.step(t_on + 1.1, None, tr.POPULATION, None, probs(1, 0.05))
    assert not st.active
    ft.step(t_on + 1.2, None, tr.POPULATION, None, None)  # no expression this frame: the state stays
    assert not st.active and st.count == 1


def test_expression_triggers_read_the_faces_extra() -> None:
    from facefilter.expression.config import to_extra
    from facefilter.types import Box, Face

    pts = expression()
    face = Face(Box.from_points(pts), pts, 1, extra=to_extra(probs(2, 0.9)))
    np.testing.assert_allclose(tr.expression_probs(face), probs(2, 0.9))
    assert tr.expression_probs(Face(Box.from_points(pts), pts, 1)) is None
    surprise = tr.DEFAULTS[tr.Event.SURPRISE]
    lives = LiveFaces(frozenset({surprise, HAPPY}))
    inp = FaceInput(1, pts, geometry.face_scale(pts), None, probs(2, 0.9))
    lv = lives.update([inp], None, (640, 480))[0]  # a still image: judged on the probabilities
    assert lv.trigger(surprise).active and not lv.trigger(HAPPY).active
    assert not LiveFaces(frozenset({surprise})).update([face_input(pts)], None, (640, 480))[0].trigger(surprise).active


def test_expression_triggers_parse_from_manifests(tmp_path: Path) -> None:
    (tmp_path / "p.png").write_bytes(b"")
    (tmp_path / "thumbnail.png").write_bytes(b"")
    layers = [{"placement": "particles", "image": "p.png", "emitter": {"anchor": 30, "trigger": "sadness"}},
              {"placement": "particles", "image": "p.png",
               "emitter": {"anchor": 30, "trigger": {"event": "anger", "on": 0.6, "off": 0.4, "min_on": 2}}}]
    m = parse_manifest({"title": "T", "layers": layers}, tmp_path, "t")
    specs = [layer.emitter.trigger for layer in m.layers]
    assert specs[0] == tr.DEFAULTS[tr.Event.SADNESS]
    assert (specs[1].event, specs[1].on, specs[1].off, specs[1].min_on) == (tr.Event.ANGER, 0.6, 0.4, 2.0)
    assert {e.value for e in tr.EMOTION_EVENTS} == {"neutral", "happiness", "surprise", "sadness", "anger",
                                                     "disgust", "fear", "contempt"}
