"""Layering: Qt is imported only under facefilter/gui/ (checked on the source with ast, and at run time)."""

from __future__ import annotations

import ast
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
