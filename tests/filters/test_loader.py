"""Loading filter folders (broken ones reported, others kept), the user folder, and zip import."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest

from facefilter.filters import FilterError, builtin_filters, import_filter_zip, load_filters, user_filter_dir
from facefilter.filters.loader import USER_DIR_ENV
from tests.filters.helpers import write_filter

SPRITE = np.dstack([np.full((20, 30, 3), 200, np.uint8), np.full((20, 30), 255, np.uint8)])
LAYER = {"placement": "similarity", "image": "a.png", "anchors": [36, 45], "image_points": [[2, 3], [27, 3]]}


def good(root: Path, name: str, **top: object) -> Path:
    return write_filter(root, name, [LAYER], {"a.png": SPRITE}, **top)


def test_a_broken_user_filter_does_not_stop_the_others(tmp_path: Path) -> None:
    good(tmp_path, "alpha", order=2)
    good(tmp_path, "beta", order=1)
    write_filter(tmp_path, "broken", [{**LAYER, "anchors": [36, 99]}], {"a.png": SPRITE})
    bad_png = good(tmp_path, "corrupt")
    (bad_png / "a.png").write_bytes(b"not a png")
    (tmp_path / "no_manifest").mkdir()
    (tmp_path / ".hidden").mkdir()
    filters, errors = load_filters([tmp_path, tmp_path / "does-not-exist"])
    assert list(filters) == ["beta", "alpha"]  # ordered by the manifest's "order"
    assert len(errors) == 3
    joined = "\n".join(errors)
    assert "filter 'broken': layers[0].anchors[1]: expected a landmark index" in joined
    assert "filter 'corrupt': layers[0].image: cannot decode image 'a.png'" in joined
    assert "filter 'no_manifest': no manifest.json or manifest.toml" in joined


def test_first_directory_wins_on_duplicate_names(tmp_path: Path) -> None:
    good(tmp_path / "a", "same", title="First")
    good(tmp_path / "b", "same", title="Second")
    filters, errors = load_filters([tmp_path / "a", tmp_path / "b"])
    assert filters["same"].title == "First"
    assert len(errors) == 1 and "already loaded" in errors[0]


def test_builtin_filters_load_without_errors() -> None:
    filters = builtin_filters()
    assert next(iter(filters)) == "sunglasses"
    _, errors = load_filters([next(iter(filters.values())).manifest.folder.parent])
    assert errors == []


def test_user_filter_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(USER_DIR_ENV, raising=False)
    default = user_filter_dir()
    assert default.parts[-2:] == ("facefilter", "filters")
    monkeypatch.setenv(USER_DIR_ENV, str(tmp_path))
    assert user_filter_dir() == tmp_path


def make_zip(path: Path, files: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def filter_files(tmp_path: Path, prefix: str = "") -> dict[str, bytes]:
    src = good(tmp_path / "src", "zipped")
    return {prefix + p.name: p.read_bytes() for p in src.iterdir()}


def test_import_zip_with_files_at_the_root_or_in_one_folder(tmp_path: Path) -> None:
    dest = tmp_path / "user"
    z1 = make_zip(tmp_path / "party.zip", filter_files(tmp_path))
    folder = import_filter_zip(z1, dest)
    assert folder == dest / "party" and (folder / "manifest.json").is_file()
    z2 = make_zip(tmp_path / "whatever.zip", filter_files(tmp_path, "shades/"))
    assert import_filter_zip(z2, dest) == dest / "shades"
    filters, errors = load_filters([dest])
    assert set(filters) == {"party", "shades"} and errors == []
    with pytest.raises(FilterError, match="already exists"):
        import_filter_zip(z1, dest)
    assert import_filter_zip(z1, dest, overwrite=True) == dest / "party"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("../evil.png", r"'\.\.'"),
        ("sub/../../evil.png", r"'\.\.'"),
        ("/etc/evil.png", "absolute"),
        ("C:/evil.png", "absolute"),
        ("..\\evil.png", "absolute or non-portable"),
    ],
)
def test_zip_entries_escaping_the_folder_are_refused(tmp_path: Path, entry: str, message: str) -> None:
    dest = tmp_path / "user"
    files = filter_files(tmp_path)
    files[entry] = b"x"
    z = make_zip(tmp_path / "evil.zip", files)
    with pytest.raises(FilterError, match=message) as info:
        import_filter_zip(z, dest)
    assert info.value.field == entry
    assert not dest.exists() or not any(dest.iterdir())  # nothing written
    assert not (tmp_path / "evil.png").exists()


def test_zip_symlink_and_broken_filter_are_refused(tmp_path: Path) -> None:
    dest = tmp_path / "user"
    z = make_zip(tmp_path / "link.zip", filter_files(tmp_path), links={"a2.png": "/etc/passwd"})
    with pytest.raises(FilterError, match="symbolic link"):
        import_filter_zip(z, dest)
    files = filter_files(tmp_path)
    files["manifest.json"] = files["manifest.json"].replace(b'"anchors": [36, 45]', b'"anchors": [36]')
    z = make_zip(tmp_path / "bad.zip", files)
    with pytest.raises(FilterError, match=r"filter 'bad': layers\[0\].anchors"):
        import_filter_zip(z, dest)
    assert not any(dest.iterdir())  # the temporary folder was removed
    with pytest.raises(FilterError, match="no manifest"):
        import_filter_zip(make_zip(tmp_path / "empty.zip", {"a/x.png": b"1", "b/y.png": b"2"}), dest)
    (tmp_path / "notzip.zip").write_bytes(b"hello")
    with pytest.raises(FilterError, match="cannot open"):
        import_filter_zip(tmp_path / "notzip.zip", dest)


def test_zip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from facefilter.filters import loader

    monkeypatch.setattr(loader, "MAX_ZIP_BYTES", 10_000)
    files = filter_files(tmp_path)
    files["padding.bin"] = bytes(20_000)
    with pytest.raises(FilterError, match="uncompressed size"):
        import_filter_zip(make_zip(tmp_path / "big.zip", files), tmp_path / "user")
    assert not (tmp_path / "user").exists() or not any((tmp_path / "user").iterdir())
