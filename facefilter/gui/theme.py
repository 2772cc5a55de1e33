"""The dark theme: Fusion style, a dark palette and a small style sheet for toolbars and the status bar."""

from __future__ import annotations

from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import QApplication

BG = "#1e2127"
PANEL = "#262a31"
BASE = "#16181d"
TEXT = "#e6e9ef"
MUTED = "#8a919e"
ACCENT = "#4da3ff"

STYLE_SHEET = f"""
QMainWindow {{ background: {BG}; }}
QToolBar {{ background: {PANEL}; border: none; spacing: 4px; padding: 4px 6px; }}
QToolBar#filterBar {{ border-top: 1px solid #333842; padding: 6px 8px; spacing: 6px; }}
QToolBar QToolButton {{ color: {TEXT}; border: 2px solid transparent; border-radius: 8px; padding: 4px; }}
QToolBar QToolButton:hover {{ background: #323741; }}
QToolBar QToolButton:checked {{ background: #233a55; border-color: {ACCENT}; }}
QToolBar#filterBar QToolButton {{ font-size: 8pt; min-width: 64px; }}
QToolButton#recordButton:checked {{ background: #5a1d22; border-color: #ff4b55; }}
QComboBox {{ background: {BASE}; color: {TEXT}; border: 1px solid #3a404b; border-radius: 6px;
             padding: 4px 8px; min-width: 160px; }}
QStatusBar {{ background: {PANEL}; color: {MUTED}; border-top: 1px solid #333842; }}
QStatusBar QLabel {{ color: {TEXT}; padding: 0 8px; }}
QStatusBar QLabel#hintLabel {{ color: {MUTED}; }}
QStatusBar QLabel#recLabel {{ color: #ff6b73; font-weight: bold; }}
QFrame#messagePanel {{ background: rgba(38, 42, 49, 235); border: 1px solid #3a404b; border-radius: 14px; }}
QLabel#messageTitle {{ font-size: 15pt; font-weight: bold; color: {TEXT}; }}
QPushButton {{ background: #2f3540; color: {TEXT}; border: 1px solid #444b57; border-radius: 6px;
               padding: 6px 14px; }}
QPushButton:hover {{ background: #3a4150; }}
QMenuBar {{ background: {PANEL}; color: {TEXT}; }}
QMenuBar::item:selected {{ background: #323741; }}
QMenu {{ background: {PANEL}; color: {TEXT}; border: 1px solid #3a404b; }}
QMenu::item:selected {{ background: #233a55; }}
QToolTip {{ background: {PANEL}; color: {TEXT}; border: 1px solid #3a404b; }}
"""


def apply_dark_theme(app: QApplication) -> None:
    """Fusion + dark palette + :data:`STYLE_SHEET` on ``app``."""
    app.setStyle("Fusion")
    pal = QPalette()
    colors = {
        QPalette.ColorRole.Window: BG,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BASE,
        QPalette.ColorRole.AlternateBase: PANEL,
        QPalette.ColorRole.ToolTipBase: PANEL,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: PANEL,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#0b0d10",
        QPalette.ColorRole.Link: ACCENT,
        QPalette.ColorRole.PlaceholderText: MUTED,
    }
    for role, color in colors.items():
        pal.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(MUTED))
    app.setPalette(pal)
    app.setStyleSheet(STYLE_SHEET)
