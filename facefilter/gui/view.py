"""The live view: paints the newest rendered frame, scaled to the widget with its aspect ratio kept.

It also paints the recording indicator (blinking dot + elapsed time), a virtual-camera badge,
a banner for transient trouble (camera lost, retrying) and, when there is nothing to show, a
message panel with buttons (open a video file, try the camera again). It never computes frames.
"""

from __future__ import annotations

import time

from PyQt6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPaintEvent
from PyQt6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget


def fit_rect(image_size: QSize, area: QRectF) -> QRectF:
    """The largest rectangle of ``image_size``'s aspect ratio centred in ``area``."""
    if image_size.isEmpty() or area.isEmpty():
        return QRectF()
    scale = min(area.width() / image_size.width(), area.height() / image_size.height())
    w, h = image_size.width() * scale, image_size.height() * scale
    return QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)


class MessagePanel(QFrame):
    """A centred card: title, text and up to two buttons (open a file, try the camera again)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messagePanel")
        self.title = QLabel()
        self.title.setObjectName("messageTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Open video file…")
        self.retry_button = QPushButton("Try the camera again")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.retry_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(12)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self.setMaximumWidth(560)


class VideoView(QWidget):
    """Shows :class:`QImage` frames letterboxed on a dark background, with the overlays above.

    Signals: ``openFileRequested`` and ``retryRequested`` from the message panel's buttons.
    """

    openFileRequested = pyqtSignal()
    retryRequested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 200)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._image: QImage | None = None
        self._banner = ""
        self._recording_since: float | None = None
        self._vcam = False
        self._flash_until = 0.0
        self.panel = MessagePanel(self)
        self.panel.open_button.clicked.connect(self.openFileRequested)
        self.panel.retry_button.clicked.connect(self.retryRequested)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.panel, 4)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        self.panel.hide()
        self._blink = QTimer(self)
        self._blink.setInterval(500)
        self._blink.timeout.connect(self.update)

    def sizeHint(self) -> QSize:
        return QSize(960, 540)

    # -- state ---------------------------------------------------------------------------------

    @property
    def image(self) -> QImage | None:
        return self._image

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        if image is not None and self.panel.isVisible():
            self.panel.hide()
        self.update()

    def show_message(self, title: str, text: str, *, open_button: bool = True, retry_button: bool = False) -> None:
        """Show the message panel (and drop the last frame: there is nothing live to show)."""
        self._image = None
        self.panel.title.setText(title)
        self.panel.text.setText(text)
        self.panel.open_button.setVisible(open_button)
        self.panel.retry_button.setVisible(retry_button)
        self.panel.show()
        self.update()

    def hide_message(self) -> None:
        self.panel.hide()
        self.update()

    @property
    def message_visible(self) -> bool:
        return not self.panel.isHidden()

    @property
    def banner(self) -> str:
        return self._banner

    def set_banner(self, text: str) -> None:
        """A strip of text over the frame (``""`` removes it): lost camera, retries."""
        self._banner = text
        self.update()

    @property
    def recording(self) -> bool:
        return self._recording_since is not None

    def set_recording(self, on: bool) -> None:
        self._recording_since = time.monotonic() if on else None
        if on:
            self._blink.start()
        else:
            self._blink.stop()
        self.update()

    def recording_seconds(self) -> float:
        return 0.0 if self._recording_since is None else time.monotonic() - self._recording_since

    def set_virtual_camera(self, on: bool) -> None:
        self._vcam = on
        self.update()

    def flash(self) -> None:
        """A short white flash (snapshot taken)."""
        self._flash_until = time.monotonic() + 0.15
        self.update()
        QTimer.singleShot(160, self.update)

    def image_rect(self) -> QRectF:
        """Where the frame is drawn, in widget pixels (empty without a frame)."""
        if self._image is None:
            return QRectF()
        return fit_rect(self._image.size(), QRectF(self.rect()))

    # -- painting ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent | None) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#16181d"))
        if self._image is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(self.image_rect(), self._image)
        elif not self.message_visible:
            p.setPen(QColor("#8a919e"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Waiting for frames…")
        if time.monotonic() < self._flash_until:
            p.fillRect(self.image_rect(), QColor(255, 255, 255, 170))
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        x = 14.0
        if self._recording_since is not None:
            x = self._paint_pill(p, x, self._rec_text(), QColor(200, 30, 40, 220), dot=self._blink_on())
        if self._vcam:
            self._paint_pill(p, x, "VIRTUAL CAM", QColor(30, 110, 200, 220))
        if self._banner:
            self._paint_banner(p, self._banner)
        p.end()

    def _blink_on(self) -> bool:
        return int(self.recording_seconds() * 2) % 2 == 0

    def _rec_text(self) -> str:
        s = int(self.recording_seconds())
        return f"REC {s // 60:02d}:{s % 60:02d}"

    def _paint_pill(self, p: QPainter, x: float, text: str, color: QColor, *, dot: bool | None = None) -> float:
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(max(8.0, font.pointSizeF()))
        p.setFont(font)
        fm = p.fontMetrics()
        pad, dot_w = 10.0, (16.0 if dot is not None else 0.0)
        w, h = fm.horizontalAdvance(text) + 2 * pad + dot_w, fm.height() + 8.0
        rect = QRectF(x, 14.0, w, h)
        path = QPainterPath()
        path.addRoundedRect(rect, h / 2, h / 2)
        p.fillPath(path, color)
        if dot:
            p.setBrush(QColor("white"))
            p.setPen(Qt.PenStyle.NoPen)
            p.drawEllipse(QPointF(rect.x() + pad + 4, rect.center().y()), 5.0, 5.0)
        p.setPen(QColor("white"))
        p.drawText(rect.adjusted(pad + dot_w, 0, -pad, 0), Qt.AlignmentFlag.AlignVCenter, text)
        return rect.right() + 8.0

    def _paint_banner(self, p: QPainter, text: str) -> None:
        fm = p.fontMetrics()
        h = fm.height() + 16.0
        rect = QRectF(0, self.height() - h, self.width(), h)
        p.fillRect(rect, QColor(180, 120, 20, 225))
        p.setPen(QColor("white"))
        p.drawText(rect.adjusted(12, 0, -12, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
