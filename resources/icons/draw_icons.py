"""Draw ICG Desk's app icon: a rounded square in the app's accent blue with a white check mark.

Run it after changing the drawing (`.venv/bin/python resources/icons/draw_icons.py`); the files
it writes beside it are committed, so building the app never needs it. PNG at 256 and 512 px
(the macOS build converts the 512 one with Pillow), and an .ico for Windows when Pillow is
there (ReportLab depends on it, so it is in the venv). Every size is drawn at that size, not
scaled down from the big one, so the 16 px icon keeps a crisp mark.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# No screen needed: QImage painting works offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen  # noqa: E402

HERE = Path(__file__).resolve().parent
ACCENT = "#2f5d8a"  # icg_desk.ui.style.ACCENT: the icon and the window share one blue
PNG_SIZES = (256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    # A small margin: the square reads as a tile on a dock or taskbar, not as a bleed.
    margin = max(1.0, size * 0.06)
    square = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    radius = square.width() * 0.22
    path = QPainterPath()
    path.addRoundedRect(square, radius, radius)
    painter.fillPath(path, QColor(ACCENT))

    pen = QPen(QColor("white"))
    pen.setWidthF(max(1.6, size * 0.095))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    s = float(size)
    painter.drawPolyline(
        [QPointF(0.28 * s, 0.53 * s), QPointF(0.43 * s, 0.68 * s), QPointF(0.73 * s, 0.35 * s)]
    )
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    assert app is not None
    for size in PNG_SIZES:
        if not draw(size).save(str(HERE / f"icg-desk-{size}.png")):
            print(f"could not write icg-desk-{size}.png", file=sys.stderr)
            return 1
    try:
        from PIL import Image
    except ImportError:
        print("Pillow is not installed: wrote the PNG icons only, no .ico")
        return 0
    frames = []
    for size in ICO_SIZES:
        tmp = HERE / f".icg-desk-{size}.png"
        draw(size).save(str(tmp))
        with Image.open(tmp) as im:
            frames.append(im.convert("RGBA"))
        tmp.unlink()
    biggest = frames[-1]
    biggest.save(
        HERE / "icg-desk.ico",
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=frames[:-1],
    )
    print(f"Wrote {', '.join(f'icg-desk-{s}.png' for s in PNG_SIZES)} and icg-desk.ico to {HERE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
