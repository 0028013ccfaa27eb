"""Read a PDF back as a reader would: its text per page, and its pages as images."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium

from tests.conftest import ARTIFACTS

#: A raw key: lower-case words joined by underscores (``on_time_rate``, ``qa_failed``).
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def page_texts(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    texts = []
    for page in document:
        textpage = page.get_textpage()
        texts.append(textpage.get_text_range())
        textpage.close()
        page.close()
    document.close()
    return texts


def save_images(pdf: bytes, name: str) -> list[Path]:
    """Every page as a PNG under test-artifacts/ (what a reviewer looks at)."""
    ARTIFACTS.mkdir(exist_ok=True)
    document = pdfium.PdfDocument(pdf)
    paths = []
    for i, page in enumerate(document, start=1):
        image = page.render(scale=1.5).to_pil()
        path = ARTIFACTS / f"{name}-page{i}.png"
        image.save(path)
        paths.append(path)
        page.close()
    document.close()
    return paths


def check_report_text(pdf: bytes, bank_name: str) -> list[str]:
    """Assert what every report page carries; return the texts for further checks."""
    texts = page_texts(pdf)
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in text, number
        assert bank_name in text, number
        assert "Generated" in text, number
    keys = sorted({k for t in texts for k in SNAKE_CASE.findall(t)})
    assert keys == [], f"raw keys in the PDF: {keys}"
    return texts
