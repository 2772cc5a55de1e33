"""The filter toolbar: one thumbnail button per filter; click applies it, clicking it again removes it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from PyQt6.QtCore import QSize, Qt, pyqtSignal
from PyQt6.QtGui import QAction, QIcon, QPixmap
from PyQt6.QtWidgets import QToolBar, QToolButton, QWidget

from facefilter.gui.icons import icon


class FilterInfo(Protocol):
    """What the toolbar needs of a filter: ``name``, ``title`` and a ``thumbnail`` image path."""

    name: str
    title: str
    thumbnail: Path


class FilterBar(QToolBar):
    """Checkable thumbnail actions, at most one checked; ``filterChosen(name or None)`` on user changes.

    :meth:`set_active` and :meth:`cycle` change the selection from code (``cycle`` emits, as it
    is driven by the keyboard). The order is the order of the mapping given to :meth:`set_filters`.
    """

    filterChosen = pyqtSignal(object)

    def __init__(self, parent: QWidget | None = None, icon_size: int = 56) -> None:
        super().__init__("Filters", parent)
        self.setObjectName("filterBar")
        self.setMovable(False)
        self.setFloatable(False)
        self.setIconSize(QSize(icon_size, icon_size))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self._actions: dict[str, QAction] = {}
        self._active: str | None = None

    def set_filters(self, filters: Mapping[str, FilterInfo]) -> None:
        """Rebuild the buttons; keeps the active filter when it still exists."""
        for action in self._actions.values():
            self.removeAction(action)
            action.deleteLater()
        self._actions.clear()
        for name, flt in filters.items():
            action = QAction(self._thumbnail(flt), flt.title or name, self)
            action.setCheckable(True)
            action.setToolTip(f"{flt.title or name}: click to apply, click again to remove")
            action.setData(name)
            action.triggered.connect(lambda checked, n=name: self._clicked(n, checked))
            self.addAction(action)
            button = self.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setObjectName(f"filter_{name}")
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self._actions[name] = action
        if self._active not in self._actions:
            self._active = None
        self._sync()

    @staticmethod
    def _thumbnail(flt: FilterInfo) -> QIcon:
        pm = QPixmap(str(flt.thumbnail)) if flt.thumbnail else QPixmap()
        return QIcon(pm) if not pm.isNull() else icon("none")

    @property
    def names(self) -> list[str]:
        return list(self._actions)

    @property
    def active(self) -> str | None:
        return self._active

    def action(self, name: str) -> QAction:
        return self._actions[name]

    def button(self, name: str) -> QToolButton:
        """The tool button of filter ``name`` (for tests and styling)."""
        widget = self.widgetForAction(self._actions[name])
        assert isinstance(widget, QToolButton)
        return widget

    def set_active(self, name: str | None) -> None:
        """Select ``name`` (``None`` or an unknown name: no filter) without emitting."""
        self._active = name if name in self._actions else None
        self._sync()

    def cycle(self, step: int) -> str | None:
        """Move ``step`` places through [no filter, first, ..., last], wrapping; emits and returns the new one."""
        order: list[str | None] = [None, *self._actions]
        i = order.index(self._active) if self._active in order else 0
        self._active = order[(i + step) % len(order)]
        self._sync()
        self.filterChosen.emit(self._active)
        return self._active

    def _clicked(self, name: str, checked: bool) -> None:
        self._active = name if checked else None
        self._sync()
        self.filterChosen.emit(self._active)

    def _sync(self) -> None:
        for name, action in self._actions.items():
            action.setChecked(name == self._active)
