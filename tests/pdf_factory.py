"""Real PDFs for the tests, drawn with reportlab's built-in CJK font (no files to ship)."""
from __future__ import annotations

import zlib
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def write_pdf(path: Path, pages: list[list[str]], header: str = "", encrypt: str | None = None) -> Path:
    """One line of text per list item, a running header and a page-number footer on every page;
    an empty list is a scanned page (an image, no text layer at all)."""
    pdf = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt)
    width, height = A4
    for number, lines in enumerate(pages, start=1):
        if not lines:
            pdf.rect(100, 100, 300, 400, fill=1)
            pdf.showPage()
            continue
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


def write_content_bomb_pdf(path: Path, megabytes: int) -> Path:
    """A one-page PDF whose small compressed content stream inflates to `megabytes` MB of drawing
    operators: a decompression bomb that costs a reader time and memory."""
    content = zlib.compress(b"q Q " * (megabytes * 2**18), 9)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream"]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def write_placed_pdf(path: Path, pages: list[list[tuple[float, float, str, float]]]) -> Path:
    """Each page: (x, y, text, font size) drawn in the order given, which is the content-stream order
    a reader sees (y counts up from the bottom of an A4 page)."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for items in pages:
        for x, y, text, size in items:
            pdf.setFont(FONT, size)
            pdf.drawString(x, y, text)
        pdf.showPage()
    pdf.save()
    return path


def wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)]
