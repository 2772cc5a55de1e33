"""Finding filters: the built-in ones, the user's filter folder, and filters imported from a zip."""

from __future__ import annotations

import importlib.resources
import logging
import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import platformdirs

from facefilter.filters.engine import Filter
from facefilter.filters.manifest import MANIFEST_NAMES, FilterError

log = logging.getLogger(__name__)

USER_DIR_ENV = "FACEFILTER_FILTER_DIR"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_ZIP_ENTRIES = 200
MAX_ZIP_BYTES = 64 * 1024 * 1024


def builtin_dir() -> Path:
    """The folder of the built-in filters (``assets/filters`` installed as ``facefilter.assets``)."""
    return Path(str(importlib.resources.files("facefilter.assets") / "filters"))


def user_filter_dir() -> Path:
    """The user's filter folder: ``$FACEFILTER_FILTER_DIR`` or platformdirs' user data dir + ``/filters``.

    Not created here; :func:`import_filter_zip` creates it when needed.
    """
    env = os.environ.get(USER_DIR_ENV)
    if env:
        return Path(env)
    return platformdirs.user_data_path("facefilter", appauthor=False) / "filters"


def _ordered(filters: dict[str, Filter]) -> dict[str, Filter]:
    return dict(sorted(filters.items(), key=lambda kv: (kv[1].manifest.order, kv[0])))


def load_filters(dirs: Iterable[str | Path]) -> tuple[dict[str, Filter], list[str]]:
    """Load every filter folder (a sub-folder holding a manifest) under each of ``dirs``.

    Returns ``(filters, errors)``: filters by name, ordered by their manifest ``order`` then
    name; one message per broken filter, naming it and the field. A broken filter never stops
    the others. Missing ``dirs`` are skipped; a name already loaded from an earlier dir wins.
    """
    filters: dict[str, Filter] = {}
    errors: list[str] = []
    for d in dirs:
        d = Path(d)
        if not d.is_dir():
            continue
        for folder in sorted(p for p in d.iterdir() if p.is_dir() and not p.name.startswith(".")):
            name = folder.name
            if name in filters:
                errors.append(f"filter '{name}': {folder} skipped, a filter with this name is already loaded")
                continue
            try:
                filters[name] = Filter.load(folder)
            except FilterError as exc:
                errors.append(str(exc))
            except Exception as exc:  # a user's folder must never take the app down
                errors.append(f"filter '{name}': unexpected error while loading: {exc!r}")
    for e in errors:
        log.warning(e)
    return _ordered(filters), errors


def builtin_filters() -> dict[str, Filter]:
    """The filters shipped with facefilter, by name, in toolbar order. Raises if one is broken."""
    filters, errors = load_filters([builtin_dir()])
    if errors:
        raise FilterError("builtin", "", "; ".join(errors))
    return filters


def _zip_members(zf: zipfile.ZipFile, label: str) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """Every member as a safe relative path; refuses absolute paths, ``..``, links and zip bombs."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise FilterError(label, "zip", f"too many entries ({len(infos)} > {MAX_ZIP_ENTRIES})")
    if sum(i.file_size for i in infos) > MAX_ZIP_BYTES:
        raise FilterError(label, "zip", f"uncompressed size over {MAX_ZIP_BYTES // 2**20} MiB")
    out = []
    for info in infos:
        raw = info.filename
        if raw.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", raw) or "\\" in raw or "\0" in raw:
            raise FilterError(label, raw, "absolute or non-portable path in zip refused")
        rel = PurePosixPath(raw)
        if ".." in rel.parts:
            raise FilterError(label, raw, "path escaping the filter folder ('..') refused")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise FilterError(label, raw, "symbolic link in zip refused")
        if info.is_dir() or not rel.parts:
            continue
        out.append((info, rel))
    return out


def import_filter_zip(zip_path: str | Path, dest_dir: str | Path | None = None, *, overwrite: bool = False) -> Path:
    """Unpack a filter zip into ``dest_dir`` (default :func:`user_filter_dir`) and return its folder.

    The zip holds either the filter's files at its root (the filter is named after the zip) or
    one top-level folder with them (named after it). Every entry is checked before anything is
    written: absolute paths, ``..``, symbolic links and oversized archives are refused. The
    filter is validated in a temporary folder and only then moved into place; on any error
    nothing is left behind. Raises :class:`FilterError`.
    """
    zip_path = Path(zip_path)
    dest = Path(dest_dir) if dest_dir is not None else user_filter_dir()
    label = zip_path.name
    try:
        zf = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise FilterError(label, "zip", f"cannot open ({exc})") from None
    with zf:
        members = _zip_members(zf, label)
        tops = {rel.parts[0] for _, rel in members}
        if any(str(rel) in MANIFEST_NAMES for _, rel in members):
            name, strip = zip_path.stem, 0
        elif len(tops) == 1 and any(rel.parts[1:] and "/".join(rel.parts[1:]) in MANIFEST_NAMES for _, rel in members):
            name, strip = tops.pop(), 1
        else:
            raise FilterError(label, "zip", f"no {' or '.join(MANIFEST_NAMES)} at the root or in a single folder")
        if not NAME_RE.match(name):
            raise FilterError(label, "zip", f"filter name {name!r} must be letters, digits, '_', '-' or '.'")
        target = dest / name
        if target.exists() and not overwrite:
            raise FilterError(name, "", f"{target} already exists (pass overwrite=True to replace it)")
        dest.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".import-{name}-", dir=dest))
        try:
            root = tmp.resolve()
            written = 0
            for info, rel in members:
                parts = rel.parts[strip:]
                if not parts:
                    continue
                out = tmp.joinpath(*parts)
                if not out.resolve().is_relative_to(root):  # belt and braces after the checks above
                    raise FilterError(label, info.filename, "path escaping the filter folder refused")
                out.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(out, "wb") as dst:
                    while chunk := src.read(1 << 16):
                        written += len(chunk)
                        if written > MAX_ZIP_BYTES:  # sizes in the zip directory can lie
                            raise FilterError(label, "zip", f"uncompressed size over {MAX_ZIP_BYTES // 2**20} MiB")
                        dst.write(chunk)
            Filter.load(tmp, name=name)
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise FilterError(label, "zip", f"cannot extract ({exc})") from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target
