"""``facefilter-bench real``: the tracker on real footage (``../shared/data/real-dev``), no ground truth.

The folder's ``README.md`` table gives, per clip or photo, the faces a person counts (the FACES
column: 0 for a negative, ``about N`` for a crowd, only approximate). The tracker (the app's:
shipped int8 network, BlazeFace, default :class:`~facefilter.tracker.TrackerConfig` plus any
``--set field=value``) runs over every file from a fresh state; a photo is run for
``--photo-frames`` frames, as the app's photo mode would. Printed per file: the frames with at
least one face (the figure for negatives: should be 0), faces per frame, faces found on the last
frame against the count (photos), distinct ids (id churn on clips), the tracker's FPS; then peak
RSS and the gates: negatives <= 1% of frames with a face, group photos >= 90% of the counted
faces found with at most one extra (crowd counts, ``about N``, are reported, not gated).
``--sheet PATH`` writes a JPEG contact sheet: sampled frames per file with the landmark overlay
and a sticker (sunglasses), so a ghost face is plain to see.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from facefilter.data import SHARED_DATA
from facefilter.types import Face

DEFAULT_DIR = SHARED_DATA / "real-dev"
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
NEGATIVE_MAX = 0.01  # gate: share of frames with a face on a no-face file
GROUP_MIN = 0.90  # gate: share of the counted faces found on a group photo
GROUP_EXTRA = 1  # gate: most faces found beyond the count on a group photo


@dataclass(frozen=True)
class Entry:
    """One row of real-dev's README table: ``file``, the counted ``faces`` and whether the count is
    approximate (``about N``)."""

    file: str
    faces: int
    approx: bool

    @property
    def is_photo(self) -> bool:
        return Path(self.file).suffix.lower() in PHOTO_SUFFIXES

    @property
    def is_negative(self) -> bool:
        return self.faces == 0 and not self.approx


def parse_readme(path: str | Path) -> list[Entry]:
    """The files of a real-dev ``README.md`` table with their FACES counts.

    The table is the first Markdown table whose header row has ``file`` and ``FACES`` columns. A
    count is an integer or starts with ``about N`` (approximate). Raises ``ValueError`` naming the
    file and line for a table without those columns or a count that is neither.
    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    cols: list[str] | None = None
    out: list[Entry] = []
    for no, line in enumerate(lines, 1):
        if not line.lstrip().startswith("|"):
            if cols is not None and out:
                break  # the end of the table
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cols is None:
            if "file" in cells and "FACES" in cells:
                cols = cells
            continue
        if all(set(c) <= set("-: ") for c in cells):  # the |---| line
            continue
        if len(cells) != len(cols):
            raise ValueError(f"{path}:{no}: {len(cells)} cells, the header has {len(cols)}")
        text = cells[cols.index("FACES")]
        m = re.match(r"^(about\s+)?(\d+)\b", text, re.IGNORECASE)
        if m is None:
            raise ValueError(f"{path}:{no}: FACES {text!r} is neither a number nor 'about N'")
        out.append(Entry(cells[cols.index("file")], int(m.group(2)), m.group(1) is not None))
    if cols is None:
        raise ValueError(f"{path}: no table with 'file' and 'FACES' columns")
    return out


@dataclass
class FileResult:
    """The tracker's figures on one file (see the module docstring)."""

    file: str
    counted: int
    approx: bool
    photo: bool
    frames: int = 0
    frames_with_face: int = 0
    faces_total: int = 0
    found_last: int = 0
    ids: int = 0
    seconds: float = 0.0
    faceness_ms: float = 0.0  # the tracker's face-ness check, summed over the frames (``last_timings``)
    sheet_frames: list[np.ndarray] = field(default_factory=list, repr=False)

    @property
    def face_share(self) -> float:
        return self.frames_with_face / max(self.frames, 1)

    @property
    def faces_per_frame(self) -> float:
        return self.faces_total / max(self.frames, 1)

    @property
    def faceness_ms_per_face(self) -> float:
        return self.faceness_ms / self.faces_total if self.faces_total else 0.0

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def passes(self) -> bool | None:
        """The gate: None when this file has none (clips with faces, crowd counts)."""
        if self.counted == 0 and not self.approx:
            return self.face_share <= NEGATIVE_MAX
        if self.photo and not self.approx:
            return self.found_last >= GROUP_MIN * self.counted and self.found_last <= self.counted + GROUP_EXTRA
        return None

    def summary(self) -> dict[str, object]:
        d = {k: v for k, v in asdict(self).items() if k != "sheet_frames"}
        d.update(face_share=self.face_share, faces_per_frame=self.faces_per_frame, fps=self.fps, passes=self.passes(),
                 faceness_ms_per_face=self.faceness_ms_per_face)
        return d


Render = Callable[[np.ndarray, list[Face]], np.ndarray]


def read_frames(path: Path, photo_frames: int) -> tuple[list[np.ndarray], float]:
    """All frames of a clip (BGR uint8) and its fps, or a photo repeated ``photo_frames`` times (at 30 fps)."""
    if path.suffix.lower() in PHOTO_SUFFIXES:
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f"{path}: cannot read as an image")
        return [img] * photo_frames, 30.0
    from facefilter.capture import VideoFileSource

    src = VideoFileSource(path)
    try:
        frames = []
        while (frame := src.read()) is not None:
            frames.append(frame)
        return frames, src.fps or 30.0
    finally:
        src.close()


def run_file(tracker: object, entry: Entry, folder: Path, photo_frames: int = 3, sheet_every: int = 0,
             render: Render | None = None) -> FileResult:
    """Run ``tracker`` (a :class:`~facefilter.tracker.FaceTracker`, reset first) over one file.

    Keeps every ``sheet_every``-th frame rendered with ``render`` (0: none; a photo keeps its last frame).
    """
    frames, fps = read_frames(folder / entry.file, photo_frames)
    res = FileResult(entry.file, entry.faces, entry.approx, entry.is_photo)
    tracker.reset()  # type: ignore[attr-defined]
    ids: set[int] = set()
    for i, frame in enumerate(frames):
        t0 = time.perf_counter()
        faces = tracker.process(frame, i / fps)  # type: ignore[attr-defined]
        res.seconds += time.perf_counter() - t0
        res.faceness_ms += getattr(tracker, "last_timings", {}).get("faceness", 0.0)
        res.frames += 1
        res.frames_with_face += bool(faces)
        res.faces_total += len(faces)
        ids.update(f.id for f in faces)
        last = i == len(frames) - 1
        if render is not None and sheet_every and ((not entry.is_photo and i % sheet_every == 0) or
                                                   (entry.is_photo and last)):
            res.sheet_frames.append(render(frame, faces))
    res.found_last = len(faces) if frames else 0
    res.ids = len(ids)
    return res


def peak_rss_mb() -> float:
    """The process's peak resident memory in MiB (``ru_maxrss``: KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def format_table(results: Sequence[FileResult]) -> str:
    """A plain-text table of the results, one line per file, with the gate's verdict."""
    head = (f"{'file':28s} {'counted':>8s} {'frames':>6s} {'%face':>6s} {'faces/fr':>8s} {'found':>9s} "
            f"{'ids':>4s} {'FPS':>6s} {'fn ms/face':>10s}  gate")
    lines = [head, "-" * len(head)]
    for r in results:
        counted = f"~{r.counted}" if r.approx else str(r.counted)
        found = f"{r.found_last}/{counted}" if r.photo else ""
        verdict = {None: "", True: "ok", False: "FAIL"}[r.passes()]
        lines.append(f"{r.file:28s} {counted:>8s} {r.frames:6d} {100 * r.face_share:6.1f} {r.faces_per_frame:8.2f} "
                     f"{found:>9s} {r.ids:4d} {r.fps:6.1f} {r.faceness_ms_per_face:10.2f}  {verdict}")
    return "\n".join(lines)


def gate_summary(results: Sequence[FileResult]) -> str:
    """Totals over the gated files: negatives' frames with a face, group photos' faces found."""
    neg = [r for r in results if r.counted == 0 and not r.approx]
    grp = [r for r in results if r.photo and r.counted > 0 and not r.approx]
    parts = []
    if neg:
        frames = sum(r.frames for r in neg)
        hit = sum(r.frames_with_face for r in neg)
        parts.append(f"negatives: a face on {hit}/{frames} frames ({100 * hit / max(frames, 1):.1f}%), worst "
                     f"{max(100 * r.face_share for r in neg):.1f}% (gate <= {100 * NEGATIVE_MAX:.0f}% each)")
    if grp:
        counted = sum(r.counted for r in grp)
        found = sum(min(r.found_last, r.counted) for r in grp)
        extra = sum(max(r.found_last - r.counted, 0) for r in grp)
        parts.append(f"group photos: {found}/{counted} counted faces found ({100 * found / max(counted, 1):.0f}%), "
                     f"{extra} extra (gate >= {100 * GROUP_MIN:.0f}% and <= {GROUP_EXTRA} extra each)")
    gated = [r.passes() for r in results if r.passes() is not None]
    parts.append(f"gates: {sum(gated)}/{len(gated)} files pass")
    return "\n".join(parts)


def sheet_renderer(sticker: str | None = "sunglasses") -> Render:
    """``render(frame, faces)``: a copy of the BGR frame with ``sticker`` (a built-in filter's name;
    None: none) and the landmark overlay drawn."""
    from facefilter.overlay import draw_overlay

    flt = None
    if sticker:
        from facefilter.filters import builtin_filters

        flt = builtin_filters()[sticker]

    def render(frame: np.ndarray, faces: list[Face]) -> np.ndarray:
        out = flt.render(frame, faces) if flt is not None and faces else frame.copy()
        return draw_overlay(out, faces, show_pose=False)

    return render


def contact_sheet(results: Sequence[FileResult], columns: int = 8, height: int = 160,
                  photo_height: int = 480) -> np.ndarray:
    """BGR uint8 sheet: one row per file (a clip's kept frames, each scaled to ``height`` px high, at
    most ``columns``, evenly picked; a photo's last frame ``photo_height`` px high), a label with
    the file's figures above each row."""
    rows = []
    for r in results:
        frames = r.sheet_frames
        if not frames:
            continue
        h = photo_height if r.photo else height
        pick = np.unique(np.linspace(0, len(frames) - 1, min(columns, len(frames))).round().astype(int))
        tiles = [cv2.resize(frames[i], (max(1, round(frames[i].shape[1] * h / frames[i].shape[0])), h),
                            interpolation=cv2.INTER_AREA) for i in pick]
        row = np.concatenate(tiles, axis=1)
        row = np.pad(row, ((0, 0), (0, max(0, 640 - row.shape[1])), (0, 0)))  # room for the label
        label = (f"{r.file}  counted {'~' if r.approx else ''}{r.counted}  face on {100 * r.face_share:.0f}% of "
                 f"frames  found {r.found_last}  ids {r.ids}")
        bar = np.full((22, row.shape[1], 3), 32, np.uint8)
        cv2.putText(bar, label, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
        rows.append(np.concatenate([bar, row]))
    if not rows:
        return np.zeros((height, height, 3), np.uint8)
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0))) for r in rows]
    return np.concatenate(rows)


def make_tracker(overrides: dict[str, object]) -> object:
    """The app's tracker: shipped weights (int8 where exact), BlazeFace, ``TrackerConfig(**overrides)``."""
    from facefilter.tracker import FaceTracker, TrackerConfig

    return FaceTracker(config=TrackerConfig(**overrides), device="cpu")  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="facefilter-bench real", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DIR, help=f"the real-dev folder (default {DEFAULT_DIR})")
    p.add_argument("--only", nargs="*", default=None, help="file names (or prefixes such as neg_) to run")
    p.add_argument("--photo-frames", type=int, default=3, help="frames a photo is run for (default 3)")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help="a TrackerConfig override (a Python literal), e.g. --set max_faces=4; repeatable")
    p.add_argument("--sheet", type=Path, help="write a JPEG contact sheet here")
    p.add_argument("--sheet-every", type=int, default=5,
                   help="clip frames between kept frames (default 5; the sheet shows 8 of them)")
    p.add_argument("--sticker", default="sunglasses", help="built-in filter drawn on the sheet ('none': none)")
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)

    from facefilter.bench.sheet import parse_variant

    readme = args.data / "README.md"
    if not readme.is_file():
        print(f"facefilter-bench real: {readme} not found (set FACEFILTER_DATA or --data)", file=sys.stderr)
        return 2
    entries = parse_readme(readme)
    if args.only:
        entries = [e for e in entries if any(e.file.startswith(o) for o in args.only)]
    missing = [e.file for e in entries if not (args.data / e.file).is_file()]
    if missing:
        print(f"facefilter-bench real: missing in {args.data}: {', '.join(missing)}", file=sys.stderr)
        return 2
    _, overrides = parse_variant("real:" + ",".join(args.set))
    tracker = make_tracker(overrides)
    render = sheet_renderer(None if args.sticker == "none" else args.sticker) if args.sheet else None
    results = []
    try:
        for e in entries:
            r = run_file(tracker, e, args.data, args.photo_frames, args.sheet_every if args.sheet else 0, render)
            results.append(r)
            print(f"  {e.file}: {r.frames} frames, face on {100 * r.face_share:.1f}%, found {r.found_last}, "
                  f"{r.ids} ids, {r.fps:.1f} FPS", file=sys.stderr, flush=True)
    finally:
        close = getattr(tracker, "close", None) or getattr(getattr(tracker, "detector", None), "close", None)
        if close is not None:
            close()
    print(f"facefilter-bench real: {args.data}  config overrides: {overrides or 'none'}")
    print(format_table(results))
    print(gate_summary(results))
    print(f"peak RSS: {peak_rss_mb():.0f} MiB")
    if args.sheet:
        args.sheet.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(args.sheet), contact_sheet(results), [cv2.IMWRITE_JPEG_QUALITY, 85])
        print(f"contact sheet: {args.sheet}")
    if args.json:
        args.json.write_text(json.dumps({"overrides": {k: repr(v) for k, v in overrides.items()},
                                         "files": [r.summary() for r in results],
                                         "peak_rss_mb": peak_rss_mb()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
