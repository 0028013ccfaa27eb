"""A mapping from another system's complaint export to our complaint: columns, value maps, dates.

A mapping is a TOML file (shipped examples under ``mappings/``, e.g. ``cfpb``) that says which of
the export's columns feeds which of our fields, how the export's values translate to ours
(channels, categories, final states), which values mean "nothing" (a literal ``N/A``), and how
dates are written. Converting a row either gives a :class:`HistoricalComplaint` or raises an
:class:`InputError` naming the field and the column, which the import quarantines with the row.

Format::

    name = "CFPB consumer complaint export"
    source = "cfpb"                        # the external id's source; (source, id) is unique
    null_values = ["", "N/A"]              # compared after trimming
    date_formats = ["%Y-%m-%d", "%m/%d/%Y"]
    timezone = "America/New_York"          # for dates and times without an offset (default: bank)
    subject = ["Issue", "Sub-issue"]       # heads the description (and stands in for a missing one)

    [columns]                              # our field = their column
    external_id = "Complaint ID"
    ...
    [constants]                            # our field = a fixed value, for fields the export lacks
    severity = "medium"
    [values.channel]                       # their value = ours; "*" = ours for any other value
    "Web" = "web"
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrita.domain import complaint as fsm
from integrita.domain.complaint import ComplaintState
from integrita.errors import InputError

#: Mappings shipped with the package, by name (``--mapping cfpb``).
SHIPPED = Path(__file__).resolve().parent / "mappings"

#: Our fields a mapping may feed, from a column or a constant.
TEXT_FIELDS = (
    "customer_id",
    "external_id",
    "channel",
    "product",
    "order_id",
    "category",
    "severity",
    "description",
    "state",
    "company_response",
    "public_response",
)
DATE_FIELDS = ("received_at", "first_response_at", "closed_at")
FLAG_FIELDS = ("timely", "disputed")
FIELDS = (*TEXT_FIELDS, *DATE_FIELDS, *FLAG_FIELDS)
#: Fields every mapping must provide (from a column or a constant).
REQUIRED = ("customer_id", "external_id", "received_at", "channel", "category", "severity")
CHANNELS = frozenset(c.value for c in fsm.Channel)
CATEGORIES = frozenset(fsm.CATEGORIES)
SEVERITIES = frozenset(s.value for s in fsm.Severity)
#: A value map key that stands for every value not listed.
ANY_OTHER = "*"
#: How flags are written unless the mapping says otherwise.
DEFAULT_FLAGS: dict[str, bool] = {"yes": True, "y": True, "true": True, "1": True}
DEFAULT_FLAGS |= {"no": False, "n": False, "false": False, "0": False}


@dataclass(frozen=True, slots=True)
class HistoricalComplaint:
    """One complaint as the other system recorded it, in our terms, before its clocks are measured."""

    external_id: str
    customer_id: str
    channel: str
    category: str
    severity: str
    product: str | None
    order_id: str | None
    description: str
    received_at: datetime
    first_response_at: datetime | None
    closed_at: datetime | None
    state: ComplaintState
    company_response: str | None
    public_response: str | None
    timely: bool | None
    disputed: bool | None


@dataclass(frozen=True, slots=True)
class ComplaintMapping:
    name: str
    source: str
    columns: dict[str, str]
    constants: dict[str, str]
    values: dict[str, dict[str, Any]]
    null_values: frozenset[str]
    date_formats: tuple[str, ...]
    zone: ZoneInfo | None
    subject: tuple[str, ...]
    _dates: dict[tuple[str, str], datetime] = field(default_factory=dict, compare=False, repr=False)

    def required_columns(self) -> list[str]:
        """The export's columns this mapping reads (a file without one of them is refused)."""
        return sorted({*self.columns.values(), *self.subject})

    def external_id_of(self, row: Mapping[str, str]) -> str | None:
        """The row's id in the source system, as read (None when empty)."""
        return self._cell(row, "external_id")

    def convert(self, row: Mapping[str, str], bank_zone: ZoneInfo) -> HistoricalComplaint:
        """Our complaint from one row of the export; an InputError names what is wrong."""
        text = {name: self._cell(row, name) for name in TEXT_FIELDS}
        for name in ("channel", "category", "severity"):
            text[name] = self._mapped(name, text[name])
        for name in REQUIRED:
            if name not in DATE_FIELDS and not text.get(name):
                raise InputError(f"{self._where(name)} is empty", field=name)
        self._check_choice("channel", text["channel"], CHANNELS)
        self._check_choice("category", text["category"], CATEGORIES)
        self._check_choice("severity", text["severity"], SEVERITIES)
        dates = {name: self._date(row, name, bank_zone) for name in DATE_FIELDS}
        received = dates["received_at"]
        if received is None:
            raise InputError(f"{self._where('received_at')} is empty", field="received_at")
        for name in ("first_response_at", "closed_at"):
            later = dates[name]
            if later is not None and later < received:
                raise InputError(
                    f"{self._where(name)} ({later:%Y-%m-%d}) is before the complaint was received "
                    f"({received:%Y-%m-%d})",
                    field=name,
                )
        if not (text["product"] or text["order_id"]):
            raise InputError(f"{self._where('product')} is empty", field="product")
        return HistoricalComplaint(
            external_id=str(text["external_id"]),
            customer_id=str(text["customer_id"]),
            channel=str(text["channel"]),
            category=str(text["category"]),
            severity=str(text["severity"]),
            product=text["product"],
            order_id=text["order_id"],
            description=self._description(row, text["description"]),
            received_at=received,
            first_response_at=dates["first_response_at"],
            closed_at=dates["closed_at"],
            state=self._state(text["state"], dates["closed_at"]),
            company_response=text["company_response"],
            public_response=text["public_response"],
            timely=self._flag(row, "timely"),
            disputed=self._flag(row, "disputed"),
        )

    # -- one field -------------------------------------------------------------------------------

    def _where(self, name: str) -> str:
        column = self.columns.get(name)
        return f"{name} (column {column!r})" if column else name

    def _cell(self, row: Mapping[str, str], name: str) -> str | None:
        column = self.columns.get(name)
        if column is None:
            return self.constants.get(name)
        value = (row.get(column) or "").strip()
        return None if value in self.null_values else value

    def _mapped(self, name: str, value: str | None) -> str | None:
        table = self.values.get(name)
        if table is None or value is None:
            return value.lower() if value is not None and name != "state" else value
        if value in table:
            return str(table[value])
        if ANY_OTHER in table:
            return str(table[ANY_OTHER])
        raise InputError(f"{self._where(name)}: no mapping for {value!r}", field=name)

    def _check_choice(self, name: str, value: str | None, allowed: frozenset[str]) -> None:
        if value not in allowed:
            raise InputError(
                f"{self._where(name)}: {value!r} is not one of ours ({', '.join(sorted(allowed))})",
                field=name,
            )

    def _date(self, row: Mapping[str, str], name: str, bank_zone: ZoneInfo) -> datetime | None:
        value = self._cell(row, name)
        if value is None:
            return None
        # An export repeats the same dates many times: parse each distinct text once.
        key = (value, bank_zone.key)
        known = self._dates.get(key)
        if known is None:
            known = self._dates[key] = self._parse_date(name, value, bank_zone)
        return known

    def _parse_date(self, name: str, value: str, bank_zone: ZoneInfo) -> datetime:
        for pattern in self.date_formats:
            try:
                parsed = datetime.strptime(value, pattern)
            except ValueError:
                continue
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=self.zone or bank_zone)
            return parsed
        raise InputError(
            f"{self._where(name)}: {value!r} matches none of the date formats "
            f"{', '.join(self.date_formats)}",
            field=name,
        )

    def _flag(self, row: Mapping[str, str], name: str) -> bool | None:
        value = self._cell(row, name)
        if value is None:
            return None
        table = self.values.get(name)
        if table is not None:
            if value in table:
                return bool(table[value])
            raise InputError(f"{self._where(name)}: no mapping for {value!r}", field=name)
        flag = DEFAULT_FLAGS.get(value.lower())
        if flag is None:
            raise InputError(f"{self._where(name)}: {value!r} is not yes or no", field=name)
        return flag

    def _state(self, value: str | None, closed_at: datetime | None) -> ComplaintState:
        """The complaint's final state: mapped from the export's value; without one, closed when
        the export gives a closing time and received otherwise."""
        mapped = self._mapped("state", value) if value is not None else None
        if mapped is None:
            return ComplaintState.CLOSED if closed_at is not None else ComplaintState.RECEIVED
        try:
            return ComplaintState(mapped)
        except ValueError as exc:
            raise InputError(
                f"{self._where('state')}: {mapped!r} is not a complaint state", field="state"
            ) from exc

    def _description(self, row: Mapping[str, str], narrative: str | None) -> str:
        heading = " / ".join(
            v for c in self.subject if (v := (row.get(c) or "").strip()) not in self.null_values
        )
        body = (narrative or "").strip()
        text = f"{heading}\n\n{body}" if heading and body else heading or body
        if not text:
            raise InputError(f"{self._where('description')} is empty", field="description")
        return text


def load_mapping(spec: str) -> ComplaintMapping:
    """A shipped mapping by name (``cfpb``) or a mapping file by path."""
    path = (
        SHIPPED / f"{spec}.toml" if "/" not in spec and not spec.endswith(".toml") else Path(spec)
    )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        shipped = ", ".join(sorted(p.stem for p in SHIPPED.glob("*.toml")))
        raise InputError(
            f"no mapping {spec!r} (shipped: {shipped}; or give a TOML file's path)", field="mapping"
        ) from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"mapping {spec}: {exc}", field="mapping") from exc
    return parse_mapping(raw, str(path))


def parse_mapping(raw: Mapping[str, Any], where: str = "mapping") -> ComplaintMapping:
    """Check a mapping's content and build it; an InputError names the first problem."""

    def bad(message: str) -> InputError:
        return InputError(f"{where}: {message}", field="mapping")

    columns = dict(raw.get("columns", {}))
    constants = {k: str(v) for k, v in dict(raw.get("constants", {})).items()}
    unknown = sorted((set(columns) | set(constants)) - set(FIELDS))
    if unknown:
        raise bad(f"unknown field(s) {', '.join(unknown)}; ours are {', '.join(FIELDS)}")
    missing = [f for f in REQUIRED if f not in columns and f not in constants]
    if missing:
        raise bad(f"needs a column or constant for {', '.join(missing)}")
    if "description" not in columns and not raw.get("subject"):
        raise bad("needs a description column or subject columns")
    values = {k: dict(v) for k, v in dict(raw.get("values", {})).items()}
    if set(values) - set(FIELDS):
        raise bad(f"value maps for unknown field(s) {', '.join(sorted(set(values) - set(FIELDS)))}")
    source = str(raw.get("source", "")).strip()
    if not source or len(source) > 40:
        raise bad("source must name the exporting system (1-40 characters)")
    zone = None
    if raw.get("timezone"):
        try:
            zone = ZoneInfo(str(raw["timezone"]))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise bad(f"unknown time zone {raw['timezone']!r}") from exc
    formats = tuple(str(f) for f in raw.get("date_formats", ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"]))
    return ComplaintMapping(
        name=str(raw.get("name", source)),
        source=source,
        columns={k: str(v) for k, v in columns.items()},
        constants=constants,
        values=values,
        null_values=frozenset(str(v).strip() for v in raw.get("null_values", [""])) | {""},
        date_formats=formats,
        zone=zone,
        subject=tuple(str(c) for c in raw.get("subject", [])),
    )
