"""Choosing the background effect: the toolbar picker, the Background menu, the colour and picture
dialogs, and the message when a picture cannot be used (a mixin of :class:`MainWindow`).

A choice is the text ``facefilter --background`` takes (``none``, ``blur``, ``desaturate``,
``color:#RRGGBB``, ``image:PATH``, ``image:NAME`` for a shipped background); the worker applies it
to the pipeline, and it is remembered in the settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor, QIcon, QPixmap
from PyQt6.QtWidgets import QColorDialog, QComboBox, QFileDialog, QMenu, QMessageBox

from facefilter.background import (
    BackgroundError,
    BackgroundKind,
    BackgroundSpec,
    builtin_backgrounds,
    load_background_image,
)
from facefilter.gui.icons import icon

if TYPE_CHECKING:
    from facefilter.gui.settings import AppSettings
    from facefilter.gui.worker import PipelineWorker

IMAGE_FILTER = "Pictures (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff);;All files (*)"
PICK_COLOR = "pick:color"
PICK_IMAGE = "pick:image"


def describe(spec: BackgroundSpec) -> str:
    """A short label for ``spec`` (the picker shows it beside the background icon): "Off", "Blur",
    "Office", "Colour #2E7D32", "Picture: beach.jpg"."""
    if spec.kind is BackgroundKind.NONE:
        return "Off"
    if spec.kind is BackgroundKind.BLUR:
        return "Blur" if str(spec) == "blur" else f"Blur ({spec.strength:g})"
    if spec.kind is BackgroundKind.DESATURATE:
        return "Grey"
    if spec.kind is BackgroundKind.COLOR:
        return f"Colour {str(spec).split(':', 1)[1]}"
    if spec.image in builtin_backgrounds():
        return spec.image.replace("_", " ").title()
    return f"Picture: {Path(spec.image).name}"


def _swatch(spec: BackgroundSpec) -> QIcon:
    """A small icon for ``spec``: the picture itself, the colour, or the background icon."""
    if spec.kind is BackgroundKind.COLOR:
        pm = QPixmap(32, 18)
        b, g, r = spec.color
        pm.fill(QColor(r, g, b))
        return QIcon(pm)
    if spec.kind is BackgroundKind.IMAGE and spec.image in builtin_backgrounds():
        pm = QPixmap(str(builtin_backgrounds()[spec.image]))
        if not pm.isNull():
            return QIcon(pm.scaled(32, 18, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                                   Qt.TransformationMode.SmoothTransformation))
    return icon("background")


class BackgroundPicker:
    """Background effect choice; expects the attributes :class:`MainWindow` builds."""

    worker: PipelineWorker
    settings: AppSettings
    background_combo: QComboBox
    background_menu: QMenu

    def background_choices(self) -> list[BackgroundSpec]:
        """What the picker offers: off, blur, grey, the shipped pictures, then the current custom choice."""
        choices = [BackgroundSpec.parse(t) for t in ("none", "blur", "desaturate")]
        choices += [BackgroundSpec.parse(f"image:{name}") for name in builtin_backgrounds()]
        current = BackgroundSpec.parse(self.settings.background)
        if current not in choices:
            choices.append(current)
        return choices

    def choose_background(self, text: str, *, interactive: bool = True) -> bool:
        """Apply the background effect ``text`` (as ``--background`` takes it); True when it is on or off
        as asked. A choice or picture that cannot be used gives one message naming the file (a box
        when ``interactive``, else the status bar) and leaves the effect off."""
        try:
            spec = BackgroundSpec.parse(text)
            if spec.kind is BackgroundKind.IMAGE:
                load_background_image(spec.image_path())  # the worker loads it again; this says why now
        except BackgroundError as exc:
            self._background_off(str(exc), interactive)
            return False
        self.settings.background = str(spec)
        self.worker.update_settings(background=str(spec))
        self._fill_background_combo()
        if interactive:
            self.statusBar().showMessage(f"Background: {describe(spec)}", 2500)
        return True

    def _background_off(self, message: str, interactive: bool) -> None:
        self.settings.background = "none"
        self.worker.update_settings(background="none")
        self._fill_background_combo()
        if interactive:
            self.explain("Background effect off", message, QMessageBox.Icon.Warning)
        else:
            self.statusBar().showMessage(f"{message}; background effect off", 15000)

    def _on_background_failed(self, message: str) -> None:
        """The worker could not start the effect (it is off there already)."""
        self._background_off(message, interactive=True)

    def pick_background_color(self) -> None:
        current = BackgroundSpec.parse(self.settings.background)
        b, g, r = current.color if current.kind is BackgroundKind.COLOR else (80, 125, 46)
        color = QColorDialog.getColor(QColor(r, g, b), self, "Background colour")
        if color.isValid():
            self.choose_background(f"color:{color.name().upper()}")
        else:
            self._fill_background_combo()

    def pick_background_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Background picture", self.settings.last_dir, IMAGE_FILTER)
        if path:
            self.settings.last_dir = str(Path(path).parent)
            self.choose_background(f"image:{path}")
        else:
            self._fill_background_combo()

    def _fill_background_combo(self) -> None:
        combo = self.background_combo
        combo.blockSignals(True)
        combo.clear()
        current = str(BackgroundSpec.parse(self.settings.background))
        for spec in self.background_choices():
            combo.addItem(_swatch(spec), describe(spec), str(spec))
        combo.insertSeparator(3)
        combo.addItem("Colour…", PICK_COLOR)
        combo.addItem(icon("open"), "Picture…", PICK_IMAGE)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)

    def _background_chosen(self, pos: int) -> None:
        data = self.background_combo.itemData(pos)
        if data == PICK_COLOR:
            self.pick_background_color()
        elif data == PICK_IMAGE:
            self.pick_background_image()
        elif isinstance(data, str):
            self.choose_background(data)

    def _fill_background_menu(self) -> None:
        menu = self.background_menu
        menu.clear()
        current = str(BackgroundSpec.parse(self.settings.background))
        for i, spec in enumerate(self.background_choices()):
            if i == 3:
                menu.addSeparator()
            act = menu.addAction(_swatch(spec), describe(spec))
            act.setCheckable(True)
            act.setChecked(str(spec) == current)
            act.triggered.connect(lambda _=False, t=str(spec): self.choose_background(t))
        menu.addSeparator()
        menu.addAction("Colour…").triggered.connect(self.pick_background_color)
        menu.addAction(icon("open"), "Picture…").triggered.connect(self.pick_background_image)
