"""Toolbar icons drawn with QPainter (no icon files, crisp at any size, readable on the dark theme)."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

FG = QColor("#e6e9ef")
ACCENT = QColor("#4da3ff")
RED = QColor("#ff4b55")
SIZE = 64  # drawn on a 64x64 canvas, Qt scales


def _pen(color: QColor = FG, width: float = 4.0) -> QPen:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _icon(draw: Callable[[QPainter], None]) -> QIcon:
    pm = QPixmap(SIZE, SIZE)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(_pen())
    p.setBrush(Qt.BrushStyle.NoBrush)
    draw(p)
    p.end()
    return QIcon(pm)


def _folder(p: QPainter) -> None:
    path = QPainterPath()
    path.moveTo(8, 18)
    path.lineTo(24, 18)
    path.lineTo(29, 24)
    path.lineTo(56, 24)
    path.lineTo(56, 50)
    path.lineTo(8, 50)
    path.closeSubpath()
    p.drawPath(path)


def _camera(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(8, 20, 48, 32), 6, 6)
    p.drawLine(QPointF(22, 20), QPointF(26, 13))
    p.drawLine(QPointF(26, 13), QPointF(38, 13))
    p.drawLine(QPointF(38, 13), QPointF(42, 20))
    p.drawEllipse(QPointF(32, 36), 9, 9)


def _mirror(p: QPainter) -> None:
    p.setPen(_pen(FG, 3))
    p.drawLine(QPointF(32, 8), QPointF(32, 56))
    p.setPen(_pen(FG, 3.5))
    left = QPainterPath()
    left.moveTo(26, 16)
    left.lineTo(26, 48)
    left.lineTo(8, 48)
    left.closeSubpath()
    p.drawPath(left)
    p.setBrush(FG)
    right = QPainterPath()
    right.moveTo(38, 16)
    right.lineTo(38, 48)
    right.lineTo(56, 48)
    right.closeSubpath()
    p.drawPath(right)


def _landmarks(p: QPainter) -> None:
    p.setPen(_pen(FG, 3))
    p.drawEllipse(QRectF(12, 6, 40, 52))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(ACCENT)
    for x, y in ((24, 26), (40, 26), (32, 36), (24, 45), (32, 48), (40, 45), (16, 30), (48, 30)):
        p.drawEllipse(QPointF(x, y), 3.2, 3.2)


def _record(p: QPainter) -> None:
    p.setPen(_pen(FG, 3))
    p.drawEllipse(QPointF(32, 32), 22, 22)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(RED)
    p.drawEllipse(QPointF(32, 32), 14, 14)


def _vcam(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(6, 20, 34, 26), 5, 5)
    path = QPainterPath()
    path.moveTo(40, 28)
    path.lineTo(56, 20)
    path.lineTo(56, 46)
    path.lineTo(40, 38)
    p.drawPath(path)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(ACCENT)
    p.drawEllipse(QPointF(15, 33), 4, 4)


def _import(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(10, 26, 44, 28), 4, 4)
    p.drawLine(QPointF(32, 6), QPointF(32, 38))
    p.drawLine(QPointF(22, 28), QPointF(32, 38))
    p.drawLine(QPointF(42, 28), QPointF(32, 38))


def _none(p: QPainter) -> None:
    p.setPen(_pen(FG, 4))
    p.drawEllipse(QPointF(32, 32), 20, 20)
    p.drawLine(QPointF(18, 46), QPointF(46, 18))


def _background(p: QPainter) -> None:
    """A picture frame with a person in front: the background effect."""
    p.setPen(_pen(FG, 3.5))
    p.setBrush(QColor(ACCENT.red(), ACCENT.green(), ACCENT.blue(), 90))
    p.drawRoundedRect(QRectF(6, 10, 52, 44), 5, 5)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(FG)
    p.drawEllipse(QPointF(32, 27), 8, 8)
    body = QPainterPath()
    body.moveTo(16, 54)
    body.cubicTo(16, 38, 48, 38, 48, 54)
    body.closeSubpath()
    p.drawPath(body)


_DRAW = {
    "open": _folder,
    "camera": _camera,
    "mirror": _mirror,
    "landmarks": _landmarks,
    "snapshot": _camera,
    "record": _record,
    "vcam": _vcam,
    "import": _import,
    "none": _none,
    "background": _background,
}


def icon(name: str) -> QIcon:
    """One of ``open camera mirror landmarks snapshot record vcam import none background`` (needs a
    QGuiApplication)."""
    try:
        return _icon(_DRAW[name])
    except KeyError:
        raise KeyError(f"no icon {name!r}; known: {', '.join(_DRAW)}") from None
