"""What the list readers share: refusals that name file and line, XML with line numbers,
dates and countries as lists write them."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from xml.etree.ElementTree import Element, TreeBuilder

from defusedxml.ElementTree import DefusedXMLParser, ParseError

from integrita.errors import InputError


def refuse(path: Path, line: int | None, reason: str) -> InputError:
    """The error a malformed list file gets: file, line and reason."""
    where = f"{path.name}, line {line}" if line else path.name
    return InputError(f"{where}: {reason}", field="file")


class _LineTreeBuilder(TreeBuilder):
    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[int, int] = {}
        self.parser: DefusedXMLParser | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = super().start(tag, attrs)
        if self.parser is not None:
            self.lines[id(element)] = self.parser.parser.CurrentLineNumber
        return element


class XmlDocument:
    """A parsed XML list (entities, DTDs and external references refused) that remembers the
    line each element started on."""

    def __init__(self, path: Path) -> None:
        builder = _LineTreeBuilder()
        parser = DefusedXMLParser(target=builder)
        builder.parser = parser
        self.path = path
        try:
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 16), b""):
                    parser.feed(chunk)
            self.root: Element = parser.close()
        except ParseError as exc:
            raise refuse(path, exc.position[0], f"not well-formed XML ({exc})") from exc
        except Exception as exc:  # defusedxml refuses entities and DTDs with its own types
            raise refuse(path, None, f"refused XML ({exc.__class__.__name__}: {exc})") from exc
        self._lines = builder.lines

    def line(self, element: Element) -> int | None:
        return self._lines.get(id(element))

    def refuse(self, element: Element, reason: str) -> InputError:
        return refuse(self.path, self.line(element), reason)


def local(tag: str) -> str:
    """A tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def children(element: Element, name: str) -> list[Element]:
    return [c for c in element if local(c.tag) == name]


def child_text(element: Element, name: str) -> str:
    for c in element:
        if local(c.tag) == name:
            return (c.text or "").strip()
    return ""


_DATE_FORMATS = ("%Y-%m-%d", "%d %b %Y", "%d %B %Y", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d")


def iso_date(text: str) -> str | None:
    """A birth date as ISO text; a year or year-month alone is kept as it is."""
    value = text.strip()
    if not value:
        return None
    if re.fullmatch(r"\d{4}(-\d{2})?", value):
        return value
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    year = re.search(r"\b(1[89]\d\d|20\d\d)\b", value)
    return year.group(1) if year else None


COUNTRIES = {
    "china": "CN",
    "people's republic of china": "CN",
    "hong kong": "HK",
    "china, hong kong": "HK",
    "taiwan": "TW",
    "macau": "MO",
    "macao": "MO",
    "united states": "US",
    "united kingdom": "GB",
    "russia": "RU",
    "russian federation": "RU",
    "iran": "IR",
    "iran (islamic republic of)": "IR",
    "democratic people's republic of korea": "KP",
    "north korea": "KP",
    "korea, north": "KP",
    "korea, south": "KR",
    "republic of korea": "KR",
    "syria": "SY",
    "syrian arab republic": "SY",
    "afghanistan": "AF",
    "iraq": "IQ",
    "pakistan": "PK",
    "cuba": "CU",
    "venezuela": "VE",
    "myanmar": "MM",
    "burma": "MM",
    "singapore": "SG",
    "malaysia": "MY",
    "united arab emirates": "AE",
    "germany": "DE",
    "france": "FR",
    "belarus": "BY",
    "ukraine": "UA",
    "japan": "JP",
    "lebanon": "LB",
    "yemen": "YE",
    "somalia": "SO",
    "libya": "LY",
    "sudan": "SD",
}


def country_code(text: str) -> str | None:
    """An ISO 3166 alpha-2 code from a code or a country's English name (None if unknown)."""
    value = text.strip()
    if not value:
        return None
    if len(value) == 2 and value.isalpha():
        return value.upper()
    return COUNTRIES.get(value.casefold())


def unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))
