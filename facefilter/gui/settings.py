"""Settings remembered between runs (QSettings): last filter, background effect, camera, overlay, mirror,
window geometry."""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtCore import QByteArray, QSettings

ORGANIZATION = "facefilter"
APPLICATION = "facefilter"


def default_qsettings() -> QSettings:
    """The user's settings store (native format: ~/.config/facefilter/facefilter.conf on Linux)."""
    return QSettings(ORGANIZATION, APPLICATION)


@dataclass
class AppSettings:
    """``filter``: last filter name (``None``: none); ``camera``: last camera index; ``overlay``:
    landmark overlay on; ``mirror``: mirror cameras (files are never mirrored by default);
    ``geometry``: ``QWidget.saveGeometry()`` bytes; ``last_dir``: last folder of a file dialog;
    ``background``: the background effect as ``facefilter --background`` writes it (``none``,
    ``blur``, ``color:#RRGGBB``, ``image:PATH`` ...; text that does not parse reads as ``none``);
    ``face_photo``: the photo of Filters > Face from photo (``""``: none)."""

    filter: str | None = None
    background: str = "none"
    camera: int = 0
    overlay: bool = False
    mirror: bool = True
    geometry: QByteArray | None = None
    last_dir: str = ""
    face_photo: str = ""

    @classmethod
    def load(cls, qs: QSettings) -> AppSettings:
        d = cls()
        geometry = qs.value("window/geometry")
        return cls(
            filter=str(qs.value("filter", "") or "") or None,
            background=_background(qs.value("background", d.background)),
            camera=_int(qs.value("camera", d.camera), d.camera),
            overlay=_bool(qs.value("overlay", d.overlay)),
            mirror=_bool(qs.value("mirror", d.mirror)),
            geometry=geometry if isinstance(geometry, QByteArray) and not geometry.isEmpty() else None,
            last_dir=str(qs.value("last_dir", "") or ""),
            face_photo=str(qs.value("face_photo", "") or ""),
        )

    def save(self, qs: QSettings) -> None:
        qs.setValue("filter", self.filter or "")
        qs.setValue("background", self.background)
        qs.setValue("camera", int(self.camera))
        qs.setValue("overlay", bool(self.overlay))
        qs.setValue("mirror", bool(self.mirror))
        if self.geometry is not None:
            qs.setValue("window/geometry", self.geometry)
        qs.setValue("last_dir", self.last_dir)
        qs.setValue("face_photo", self.face_photo)
        qs.sync()


def _bool(value: object) -> bool:
    """QSettings gives ``"true"``/``"false"`` strings from INI files and real bools elsewhere."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _background(value: object) -> str:
    """The stored background choice in its canonical text; ``none`` when it does not parse."""
    from facefilter.background import BackgroundError, BackgroundSpec

    try:
        return str(BackgroundSpec.parse(str(value or "")))
    except BackgroundError:
        return "none"


def _int(value: object, default: int) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default
