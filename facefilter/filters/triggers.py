"""Triggers: expressions and head moves that start and stop animations, with hysteresis.

A trigger turns *on* when its signal crosses ``on`` and back *off* only when it crosses ``off``
(the band between them hides landmark jitter: a measure hovering at one threshold fires once).
Signals compare the face's measures with its **neutral baseline**: the median of each measure
over the face's first :data:`BASELINE_SECONDS` (eye opening, mouth width, brow height differ a
lot between people; a change from one's own neutral face does not). Without a time (still
images) the baseline is :data:`POPULATION`, the 300-W medians.

Measures (:func:`face_measures`), all dimensionless:

* ``mouth_open``: mean inner-lip gap (61-67, 62-66, 63-65) / face size (:func:`geometry.face_scale`).
* ``eye_r``, ``eye_l``: eye aspect ratio, mean lid gap / eye width, of the subject's right eye
  (points 36..41, image left on a camera picture) and left eye (42..47).
* ``mouth_width``: mouth corner to corner (48-54) / face size.
* ``brows``: mean height of the brows (17..26) above the line through the outer eye corners,
  divided by the height of that line above the nose bottom (33): unlike face-size units it
  does not grow when the head turns.

Thresholds, measured on the 2,012 hand-annotated faces of ``ibug300w-train`` (annotators put
the lid points of a closed eye on top of each other, and the inner-lip points of a closed mouth)
with ``python -m facefilter.tools.lens_demo --measure``:

* Mouth: 938 faces have closed lips (inner gap under 0.5 px, ``mouth_open`` at most 0.0025).
  The 1,074 with parted lips: percentiles 25/50/75/90/95 of ``mouth_open`` are 0.061, 0.101,
  0.147, 0.205, 0.249. Broad smiles (``mouth_width`` > 0.75, 277 faces) part the lips too:
  median 0.138, 90th percentile 0.216. So *mouth open* fires at +0.22 over the baseline (4.1% of
  all faces, 9.0% of the broad smiles: a deliberate opening, not a grin) and releases under +0.15.
* Eyes: 67 eyes are annotated closed (lids under 1 px apart); their aspect ratio is at most
  0.033 (median 0.006). Open eyes (3,957): median 0.329, 1st/5th percentile 0.092/0.179. An eye
  counts as closed under 0.45 x its baseline (0.148 for the population median: all 67 closed
  eyes and 2.6% of the open ones, mostly squints) and open again over 0.6 x (0.197; 6.7% of the
  open eyes are under it).
* Smile: ``mouth_width`` of closed-lip faces has median 0.584; over all faces percentiles
  50/75/90 are 0.619, 0.695, 0.769 (31.9% are over 0.672), and looking at the faces, from about
  0.67 nearly all are smiling. *Smile* fires at 1.15 x the baseline width (0.67 for the population median) and
  releases under 1.08 x.
* Brows: ``brows`` has median 0.396 and percentiles 5/95 0.242/0.652 across people (raised brows
  cannot be told from high ones on photos, hence the baseline); *brows raised* fires at 1.2 x
  the baseline and releases under 1.1 x. No annotation says whose brows are raised: this one is
  not validated on 300-W.

Head moves come from the head pose (:class:`facefilter.types.HeadPose`): a *nod* is the pitch
going out and back by :attr:`TriggerSpec.amplitude` degrees within :data:`GESTURE_WINDOW`
seconds, a *shake* the same with yaw. They stay on for :data:`GESTURE_SHOW` seconds.

Expressions (``"trigger": "happiness"``, ``"surprise"``... the 8 FER+ classes of
:data:`facefilter.expression.EXPRESSIONS`) compare the face's smoothed probability of that class
(``Face.extra``, filled by the pipeline when a lens needs it) with ``on`` / ``off`` (0.5 / 0.35),
must hold ``hold`` (0.3 s) before firing and stay on ``min_on`` (1 s) at least.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from facefilter.expression.config import EXPRESSIONS, from_extra

BASELINE_SECONDS = 1.0  # a face's neutral baseline is learned over its first second
MEASURES = ("mouth_open", "eye_r", "eye_l", "mouth_width", "brows")
MOUTH_OPEN, EYE_R, EYE_L, MOUTH_WIDTH, BROWS = range(len(MEASURES))
# 300-W medians (see the module docstring): mouth closed, open eyes, closed-lip mouth width, brows.
POPULATION = np.array([0.0, 0.329, 0.329, 0.584, 0.396])
MAX_MOUTH_BASELINE = 0.08  # lips parted at rest up to this much are "neutral"; a learned gap above is capped
GESTURE_WINDOW = 1.0  # s: a nod or shake goes out and back within this time
GESTURE_SHOW = 0.4  # s a nod or shake trigger stays on after the move
APPEAR_SHOW = 0.5  # s the face_appears trigger stays on


class Event(StrEnum):
    """What a trigger watches. ``wink`` is either eye; ``wink_right`` the subject's right (points 36..41)."""

    MOUTH_OPEN = "mouth_open"
    MOUTH_CLOSED = "mouth_closed"
    BLINK = "blink"
    WINK = "wink"
    WINK_RIGHT = "wink_right"
    WINK_LEFT = "wink_left"
    SMILE = "smile"
    BROWS_RAISED = "brows_raised"
    NOD = "nod"
    SHAKE = "shake"
    FACE_APPEARS = "face_appears"
    # Expressions (:mod:`facefilter.expression`): the signal is the face's smoothed probability.
    NEUTRAL = "neutral"
    HAPPINESS = "happiness"
    SURPRISE = "surprise"
    SADNESS = "sadness"
    ANGER = "anger"
    DISGUST = "disgust"
    FEAR = "fear"
    CONTEMPT = "contempt"


# Events whose signal must go *below* ``on`` to fire (and back above ``off`` to release).
BELOW = frozenset({Event.MOUTH_CLOSED})
POSE_EVENTS = frozenset({Event.NOD, Event.SHAKE})
# Expression events, each the probability of the class of that name (index in EXPRESSIONS).
EMOTION_EVENTS = frozenset(Event(name) for name in EXPRESSIONS)


@dataclass(frozen=True)
class TriggerSpec:
    """One trigger: ``event`` with thresholds ``on``/``off`` on its signal (see :func:`signal`).

    ``hold``: seconds the signal must stay past ``on`` before the trigger fires (a wink must not
    be the first eye of a blink). ``amplitude``: degrees of a nod or shake. ``min_on``: seconds
    the trigger stays on at least once fired (an expression's effect is not cut short).
    """

    event: Event
    on: float
    off: float
    hold: float = 0.0
    amplitude: float = 0.0
    min_on: float = 0.0

    def __post_init__(self) -> None:
        below = self.event in BELOW
        if (self.on >= self.off) if below else (self.on <= self.off):
            side = "below" if below else "above"
            raise ValueError(f"trigger '{self.event.value}': 'on' ({self.on}) must be {side} 'off' ({self.off})")


DEFAULTS: dict[Event, TriggerSpec] = {
    Event.MOUTH_OPEN: TriggerSpec(Event.MOUTH_OPEN, 0.22, 0.15),
    Event.MOUTH_CLOSED: TriggerSpec(Event.MOUTH_CLOSED, 0.15, 0.22),
    Event.BLINK: TriggerSpec(Event.BLINK, 0.55, 0.4),
    Event.WINK: TriggerSpec(Event.WINK, 0.55, 0.4, hold=0.1),
    Event.WINK_RIGHT: TriggerSpec(Event.WINK_RIGHT, 0.55, 0.4, hold=0.1),
    Event.WINK_LEFT: TriggerSpec(Event.WINK_LEFT, 0.55, 0.4, hold=0.1),
    Event.SMILE: TriggerSpec(Event.SMILE, 0.15, 0.08),
    Event.BROWS_RAISED: TriggerSpec(Event.BROWS_RAISED, 0.2, 0.1),
    Event.NOD: TriggerSpec(Event.NOD, 0.5, 0.5 - 1e-9, amplitude=7.0),
    Event.SHAKE: TriggerSpec(Event.SHAKE, 0.5, 0.5 - 1e-9, amplitude=10.0),
    Event.FACE_APPEARS: TriggerSpec(Event.FACE_APPEARS, 0.5, 0.5 - 1e-9),
    # Expressions: the smoothed probability over 0.5 for 0.3 s fires; under 0.35 releases, after
    # at least 1 s on.
    **{e: TriggerSpec(e, 0.5, 0.35, hold=0.3, min_on=1.0) for e in EMOTION_EVENTS},
}


def expression_probs(face: Any) -> np.ndarray | None:
    """A face's smoothed expression probabilities ``(8,)`` from its ``extra`` (put there by the
    pipeline, :func:`facefilter.expression.config.to_extra`); None when it has none."""
    p = from_extra(getattr(face, "extra", None))
    return None if p is None else np.asarray(p, np.float64)


def _lid_ratio(lm: np.ndarray, eye: int) -> float:
    p = lm[eye : eye + 6]
    width = float(np.linalg.norm(p[3] - p[0]))
    if width <= 1e-9:
        return 0.0
    return float(np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4])) / (2.0 * width)


def face_measures(landmarks: np.ndarray, scale: float) -> np.ndarray:
    """The measures of :data:`MEASURES` for one face: ``(5,)`` float64.

    ``landmarks``: ``(68, 2)`` pixels; ``scale``: the face size in pixels per template unit
    (:func:`facefilter.filters.geometry.face_scale`).
    """
    lm = np.asarray(landmarks, np.float64)
    if lm.shape != (68, 2):
        raise ValueError(f"landmarks must have shape (68, 2), got {lm.shape}")
    s = max(float(scale), 1e-9)
    gap = np.mean(np.linalg.norm(lm[[61, 62, 63]] - lm[[67, 66, 65]], axis=1))
    a, b = lm[36], lm[45]
    d = b - a
    n = float(np.linalg.norm(d))
    brows = 0.0
    if n > 1e-9:
        up = np.array([d[1], -d[0]]) / n  # perpendicular to the eye line, towards the forehead
        mid = (a + b) / 2
        below = float((mid - lm[33]) @ up)
        if below > 1e-9:
            brows = float(np.mean((lm[17:27] - mid) @ up)) / below
    return np.array(
        [gap / s, _lid_ratio(lm, 36), _lid_ratio(lm, 42), float(np.linalg.norm(lm[54] - lm[48])) / s, brows]
    )


def signal(event: Event, m: np.ndarray, baseline: np.ndarray) -> float:
    """The value a trigger on ``event`` compares with its thresholds, for measures ``m``.

    ``mouth_open`` / ``mouth_closed``: inner-lip gap minus the baseline gap (face-size units).
    ``blink``: 1 - the more open eye's opening relative to its baseline (both closed: near 1).
    ``wink``: min(1 - the closed eye's relative opening, the other's relative opening): near 1
    only with one eye closed and the other open; ``wink_right``/``wink_left`` for one side.
    ``smile``: mouth width / baseline width - 1. ``brows_raised``: brow height / baseline - 1.
    Head moves, ``face_appears`` and expressions are not measures: :class:`FaceTriggers` drives them.
    """
    if event in (Event.MOUTH_OPEN, Event.MOUTH_CLOSED):
        return float(m[MOUTH_OPEN] - min(baseline[MOUTH_OPEN], MAX_MOUTH_BASELINE))
    r = m[EYE_R] / max(baseline[EYE_R], 1e-6)
    le = m[EYE_L] / max(baseline[EYE_L], 1e-6)
    if event is Event.BLINK:
        return float(1.0 - max(r, le))
    if event is Event.WINK:
        return float(min(1.0 - min(r, le), max(r, le)))
    if event is Event.WINK_RIGHT:
        return float(min(1.0 - r, le))
    if event is Event.WINK_LEFT:
        return float(min(1.0 - le, r))
    if event is Event.SMILE:
        return float(m[MOUTH_WIDTH] / max(baseline[MOUTH_WIDTH], 1e-6) - 1.0)
    if event is Event.BROWS_RAISED:
        return float(m[BROWS] / max(baseline[BROWS], 1e-6) - 1.0)
    raise ValueError(f"'{event.value}' has no landmark signal")


def past(spec: TriggerSpec, value: float, threshold: float) -> bool:
    """Whether ``value`` is beyond ``threshold`` in the direction that turns ``spec`` on."""
    return value < threshold if spec.event in BELOW else value > threshold


class Baseline:
    """A face's neutral measures: the running median of its first :data:`BASELINE_SECONDS`, then fixed.

    From the first frame the baseline is the median of what was seen so far (so a face whose
    neutral mouth is wide does not "smile" while it is learned); a blink or a word during the
    learning second is outvoted by the median.
    """

    def __init__(self, t0: float, seconds: float = BASELINE_SECONDS) -> None:
        self.t0 = t0
        self.seconds = seconds
        self._samples: list[np.ndarray] = []
        self._last_t = t0
        self.value = POPULATION.copy()

    @property
    def learned(self) -> bool:
        return bool(self._samples) and self._last_t - self.t0 >= self.seconds

    def update(self, t: float, measures: np.ndarray) -> np.ndarray:
        """Add the measures seen at ``t`` (while still learning); returns the current baseline."""
        if not self._samples or t - self.t0 <= self.seconds:
            self._samples.append(np.asarray(measures, np.float64))
            self._last_t = t
            self.value = np.median(np.stack(self._samples), axis=0)
        else:
            self._last_t = t
        return self.value


@dataclass
class TriggerState:
    """A trigger's state on one face: ``active`` (with hysteresis), when it last turned on
    (``since``) and off (``until``), how many times it fired, and whether it fired this frame."""

    active: bool = False
    since: float | None = None
    until: float | None = None
    count: int = 0
    fired: bool = False
    pending: float | None = None  # time the signal went past 'on' while waiting for 'hold'

    def step(self, t: float, spec: TriggerSpec, value: float, first: bool = False) -> None:
        """Advance to time ``t`` with this frame's signal ``value``.

        On a face's ``first`` frame the state is set without firing: a mouth already open when
        the face appears holds a *while* trigger but is not the event "the mouth opens".
        """
        self.fired = False
        if first:
            self.active = past(spec, value, spec.on)
            self.since = t if self.active else None
            return
        if self.active:
            held = self.since is None or t - self.since >= spec.min_on
            if not past(spec, value, spec.off) and held:
                self.active = False
                self.until = t
            return
        if not past(spec, value, spec.on):
            self.pending = None
            return
        if self.pending is None:
            self.pending = t
        if t - self.pending >= spec.hold:
            self.active, self.fired, self.since, self.pending = True, True, t, None
            self.count += 1


class SwingDetector:
    """Fires when an angle goes out by ``amplitude`` degrees and back by as much within ``window`` s.

    The recent samples are kept; when the newest one is ``amplitude`` below a peak (or above a
    trough) that is itself ``amplitude`` past an earlier sample of the window, the move is a
    swing. The history is then cleared, so one move fires once.
    """

    def __init__(self, amplitude: float, window: float = GESTURE_WINDOW) -> None:
        self.amplitude = amplitude
        self.window = window
        self._hist: deque[tuple[float, float]] = deque()

    def update(self, t: float, angle: float) -> bool:
        h = self._hist
        h.append((t, float(angle)))
        while h and t - h[0][0] > self.window:
            h.popleft()
        x = np.array([a for _, a in h])
        if len(x) < 3:
            return False
        a = self.amplitude
        for sign in (1.0, -1.0):  # peak, then trough
            y = sign * x
            j = int(np.argmax(y))
            if 0 < j < len(y) - 1 and y[j] - y[:j].min() >= a and y[j] - y[-1] >= a:
                h.clear()
                return True
        return False


class FaceTriggers:
    """Every trigger of one filter on one face, stepped once per frame.

    ``specs``: the distinct :class:`TriggerSpec` the filter's layers use. :meth:`step` takes the
    frame time, the face's measures (or None when no measure-based trigger is used) and its head
    pose angles ``(yaw, pitch)`` in degrees (or None), and its expression probabilities ``(8,)``
    (or None: expression triggers then keep their state).
    """

    def __init__(self, specs: frozenset[TriggerSpec], t0: float) -> None:
        self.t0 = t0
        self.states: dict[TriggerSpec, TriggerState] = {s: TriggerState() for s in specs}
        self._swings = {s: SwingDetector(s.amplitude) for s in specs if s.event in POSE_EVENTS}
        self._gesture_t: dict[TriggerSpec, float] = {}
        self._first = True

    def step(self, t: float, m: np.ndarray | None, baseline: np.ndarray, angles: tuple[float, float] | None,
             expression: np.ndarray | None = None) -> None:
        for spec, st in self.states.items():
            if spec.event in EMOTION_EVENTS:
                if expression is not None:
                    st.step(t, spec, float(expression[EXPRESSIONS.index(spec.event.value)]), self._first)
                continue
            if spec.event is Event.FACE_APPEARS:
                value = 1.0 if t - self.t0 < APPEAR_SHOW else 0.0
                st.step(t, spec, value)  # not 'first': the face appearing is the event
                if self._first:
                    st.active, st.fired, st.since, st.count = True, True, t, 1
                continue
            if spec.event in POSE_EVENTS:
                if angles is not None:
                    angle = angles[1] if spec.event is Event.NOD else angles[0]
                    if self._swings[spec].update(t, angle):
                        self._gesture_t[spec] = t
                shown = spec in self._gesture_t and t - self._gesture_t[spec] < GESTURE_SHOW
                st.step(t, spec, 1.0 if shown else 0.0, self._first)
                continue
            if m is None:
                continue
            st.step(t, spec, signal(spec.event, m, baseline), self._first)
        self._first = False


def still_states(specs: frozenset[TriggerSpec], m: np.ndarray,
                 expression: np.ndarray | None = None) -> dict[TriggerSpec, TriggerState]:
    """Trigger states of a still image: each landmark trigger is on when its signal against the
    :data:`POPULATION` baseline is past ``on``, an expression trigger when its probability is (off
    without ``expression``); head moves and ``face_appears`` are off."""
    out = {}
    for spec in specs:
        st = TriggerState()
        if spec.event in EMOTION_EVENTS:
            if expression is not None:
                st.active = past(spec, float(expression[EXPRESSIONS.index(spec.event.value)]), spec.on)
        elif spec.event not in POSE_EVENTS and spec.event is not Event.FACE_APPEARS:
            st.active = past(spec, signal(spec.event, m, POPULATION), spec.on)
        out[spec] = st
    return out


def parse_trigger(fields: Any, key: str) -> TriggerSpec:
    """Read ``key`` of a manifest table as a trigger: an event name (default thresholds) or a table
    ``{"event", "on", "off", "hold", "amplitude", "min_on"}``. ``fields`` is the manifest's field reader;
    errors name the field."""
    raw = fields.table[key]
    values = [e.value for e in Event]
    if isinstance(raw, str):
        if raw not in values:
            raise fields.error(key, f"expected one of {', '.join(map(repr, values))}, got {raw!r}")
        return DEFAULTS[Event(raw)]
    sub = type(fields)(fields.filter_name, fields.path(key), raw)
    sub.check_keys(("event", "on", "off", "hold", "amplitude", "min_on"))
    event = sub.enum("event", Event)
    d = DEFAULTS[event]
    on = sub.number("on", d.on, -10.0, 10.0)
    off = sub.number("off", d.off, -10.0, 10.0)
    hold = sub.number("hold", d.hold, 0.0, 5.0)
    amplitude = sub.number("amplitude", d.amplitude, 0.0, 90.0)
    min_on = sub.number("min_on", d.min_on, 0.0, 10.0)
    if event in POSE_EVENTS and amplitude <= 0:
        raise sub.error("amplitude", f"a '{event.value}' needs an amplitude > 0 degrees")
    try:
        return TriggerSpec(event, on, off, hold, amplitude, min_on)
    except ValueError as exc:
        raise sub.error("off" if sub.has("off") else "on", str(exc).split(": ", 1)[-1]) from None
