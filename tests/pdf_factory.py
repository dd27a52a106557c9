"""Real PDFs for the tests, drawn with reportlab's built-in CJK font (no files to ship)."""
from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def write_pdf(path: Path, pages: list[list[str]], header: str = "", encrypt: str | None = None) -> Path:
    """One line of text per list item, a running header and a page-number footer on every page."""
    pdf = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt)
    width, height = A4
    for number, lines in enumerate(pages, start=1):
        pdf.setFont(FONT, 9)
        if header:
            pdf.drawString(60, height - 40, header)
        pdf.drawString(width / 2, 30, str(number))
        pdf.setFont(FONT, 11)
        y = height - 80
        for line in lines:
            pdf.drawString(60, y, line)
            y -= 18
        pdf.showPage()
    pdf.save()
    return path


def write_image_only_pdf(path: Path) -> Path:
    """A 'scanned' page: shapes, no text layer."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.rect(100, 100, 300, 400, fill=1)
    pdf.showPage()
    pdf.save()
    return path
