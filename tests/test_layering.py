"""Layering, checked on the source with ast: Qt only under facefilter/gui/ (also at run time), no
module imports a layer above its own (capture -> detect -> landmarks -> pose -> tracker ->
background -> filters -> pipeline -> gui, with types and data at the bottom and train, tools and
bench on top), and no import circles."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "facefilter"
QT_MODULES = ("PyQt6", "PyQt5", "PySide6", "PySide2", "qtpy", "pyqtgraph")


def qt_imports(path: Path) -> list[str]:
    """``"file:line module"`` for every import of a Qt binding in ``path`` (also inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
              and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            names = [node.args[0].value]
        else:
            continue
        found += [f"{path}:{node.lineno} {n}" for n in names if n.split(".")[0] in QT_MODULES]
    return found


def qt_imports_outside_gui(root: Path) -> list[str]:
    gui = root / "gui"
    return [hit for p in sorted(root.rglob("*.py")) if gui not in p.parents for hit in qt_imports(p)]


def test_qt_is_imported_only_under_gui() -> None:
    assert (PACKAGE / "gui" / "app.py").is_file()
    assert qt_imports(PACKAGE / "gui" / "window.py"), "the scanner should see the GUI's own Qt imports"
    assert qt_imports_outside_gui(PACKAGE) == []


def test_the_scanner_finds_every_form_of_import(tmp_path: Path) -> None:
    pkg = tmp_path / "facefilter"
    (pkg / "gui").mkdir(parents=True)
    (pkg / "gui" / "ok.py").write_text("from PyQt6.QtWidgets import QWidget\n")
    (pkg / "a.py").write_text("import PyQt6.QtCore\n")
    (pkg / "b.py").write_text("def f():\n    from PySide6 import QtGui\n")
    (pkg / "c.py").write_text("import importlib\nimportlib.import_module('PyQt6.QtGui')\n")
    (pkg / "d.py").write_text("from .gui import ok\nimport numpy\n")
    hits = qt_imports_outside_gui(pkg)
    assert [Path(h.split(":")[0]).name for h in hits] == ["a.py", "b.py", "c.py"]


def test_importing_the_non_gui_packages_does_not_load_qt() -> None:
    code = (
        "import sys\n"
        "import facefilter, facefilter.gui, facefilter.capture, facefilter.filters, facefilter.pipeline\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]", out.stdout


# -- layers: data flows one way ------------------------------------------------------------------

# Bottom to top. A module may import its own layer and the layers below it, never one above.
# The package's own __init__ is a facade (``from facefilter import FaceTracker``, lazily) and is
# not a layer.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("types", "data", "models", "assets"),
    ("capture", "detect"),
    ("landmarks",),
    ("pose",),
    ("tracker", "expression"),
    ("background",),
    ("filters",),
    ("overlay", "pipeline"),
    ("gui",),
    ("train", "tools", "bench"),
)
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}


def module_name(path: Path, root: Path) -> str:
    """``facefilter.filters.engine`` for ``root/filters/engine.py`` (``root`` is the package folder)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([root.name, *parts])


def facefilter_imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """``(line, module)`` for every import of the package in ``path``: top-level, inside functions and
    under ``TYPE_CHECKING``; relative imports resolved; ``from pkg import name`` gives ``pkg.name``
    when that is a module of the package, else ``pkg``."""
    here = module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == root.name]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != root.name:
                continue
            for alias in node.names:
                sub = f"{mod}.{alias.name}"
                rel = Path(*sub.split(".")[1:])
                is_module = (root / rel).with_suffix(".py").is_file() or (root / rel / "__init__.py").is_file()
                found.append((node.lineno, sub if is_module else mod))
    return found


def layer(module: str) -> str | None:
    """The layer name of ``facefilter.X...`` (``X``); None for the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def upward_imports(root: Path) -> list[str]:
    """``"file:line importer -> imported"`` for every import of a higher layer (or of an unknown one)."""
    bad = []
    for path in sorted(root.rglob("*.py")):
        me = module_name(path, root)
        mine = layer(me)
        if mine is None:
            continue
        if mine not in RANK:
            bad.append(f"{path}: {me} is in no layer (add it to LAYERS in tests/test_layering.py)")
            continue
        for line, mod in facefilter_imports(path, root):
            theirs = layer(mod)
            if theirs is None or theirs not in RANK or RANK[theirs] > RANK[mine]:
                bad.append(f"{path}:{line} {me} -> {mod}")
    return bad


def import_cycles(root: Path) -> list[list[str]]:
    """Every strongly connected group of two or more modules that import each other (any import form)."""
    graph = {module_name(p, root): {m for _, m in facefilter_imports(p, root)} for p in sorted(root.rglob("*.py"))}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1 or v in graph[v]:
                cycles.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return cycles


def test_no_module_imports_a_layer_above_it() -> None:
    assert upward_imports(PACKAGE) == []


def test_no_import_cycles() -> None:
    assert import_cycles(PACKAGE) == []


def test_every_top_level_module_and_package_has_a_layer() -> None:
    names = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()}
    assert names - set(RANK) == set()
    assert {"data", "tools", "tracker", "pipeline", "gui"} <= names


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "facefilter"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for folder in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
        (folder / "__init__.py").touch()
    return root


def test_an_upward_import_added_on_purpose_is_caught(tmp_path: Path) -> None:
    root = _package(tmp_path, {
        "types.py": "import numpy\n",
        "landmarks/predictor.py": "from facefilter.types import Face\nfrom ..data import ibug\n",
        "data/ibug.py": "def load():\n    from facefilter.train.loop import run\n",  # upward, inside a function
        "filters/engine.py": "from facefilter.landmarks import predictor\nfrom . import geometry\n",
        "filters/geometry.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import facefilter.gui.view\n",
        "train/loop.py": "from facefilter.filters.engine import x\n",
        "gui/view.py": "",
    })
    bad = upward_imports(root)
    assert [b.split(" ", 1)[1] for b in bad] == [
        "facefilter.data.ibug -> facefilter.train.loop",
        "facefilter.filters.geometry -> facefilter.gui.view",
    ], bad
    assert Path(bad[0].split(":")[0]).name == "ibug.py"
    # the real tree with one upward import added on purpose fails the same way
    copy = tmp_path / "copy" / "facefilter"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.onnx", "*.safetensors"))
    (copy / "landmarks" / "predictor.py").write_text(
        (PACKAGE / "landmarks" / "predictor.py").read_text() + "\nfrom facefilter.pipeline import Pipeline\n")
    assert [b.split(" ", 1)[1] for b in upward_imports(copy)] == [
        "facefilter.landmarks.predictor -> facefilter.pipeline"]


def test_a_module_in_no_layer_is_reported(tmp_path: Path) -> None:
    root = _package(tmp_path, {"types.py": "", "newthing/x.py": "from facefilter.types import Box\n"})
    assert ["in no layer" in b for b in upward_imports(root)] == [True, True]  # the package and its module


def test_an_import_circle_is_caught(tmp_path: Path) -> None:
    root = _package(tmp_path, {
        "landmarks/onnx.py": "def f():\n    from facefilter.landmarks.quantize import load\n",
        "landmarks/quantize.py": "from facefilter.landmarks import onnx\n",
        "landmarks/model.py": "from .onnx import f\n",
    })
    assert import_cycles(root) == [["facefilter.landmarks.onnx", "facefilter.landmarks.quantize"]]
