"""A register: a record type with typed fields, a natural key and a governed workflow.

The governance registers (restricted list, wall crossings, suppliers, brand authorisations, IP
cases …) were spreadsheets: a row per record, a column per field, a status column somebody
edits. Here each is a :class:`RegisterSpec`: its fields are typed (a date is a date, an amount
is a ``Decimal`` never finer than a fen), its natural key makes every import and API write
idempotent, and its status moves only through its :class:`~integrita.domain.workflow.Workflow`
— the same engine, four-eyes rules and audit trail as cases and complaints.

Values arrive as text (a form, a CSV cell, a JSON string) and are parsed here; they are stored
as JSON-safe values (ISO dates, decimal strings) and read back by :func:`typed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from itertools import chain

from integrita.domain.permissions import Permission
from integrita.domain.workflow import Workflow
from integrita.errors import InputError

#: The state every record is in before its first step.
NEW = "new"
#: Longest text a register field holds (a finding, an evidence description).
MAX_TEXT = 4000


class FieldKind(StrEnum):
    TEXT = "text"
    DATE = "date"
    INTEGER = "integer"
    AMOUNT = "amount"
    YES_NO = "yes_no"
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One column of a register."""

    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    choices: tuple[str, ...] = ()
    #: Protected fields (a whistle-blower's identity) are never shown, listed or exported; the
    #: service reveals them only to the permission named by the register, and audits each view.
    protected: bool = False
    #: Filled by the register's rules (a review due date), never typed by a person.
    derived: bool = False
    #: Integers: the largest value accepted (a score out of 100); never below zero.
    maximum: int | None = None


@dataclass(frozen=True)
class RegisterSpec:
    """One register: its fields, natural key, workflow, and who reads it."""

    name: str
    label: str
    group: str
    fields: tuple[FieldSpec, ...]
    key: tuple[str, ...]
    workflow: Workflow
    #: The create steps (from :data:`NEW`); the register's rules pick one when there are several.
    create_actions: tuple[str, ...]
    read_permission: Permission = Permission.GOVERNANCE_READ
    #: The fields a list page offers as filters (besides the state).
    filters: tuple[str, ...] = ()
    protected_reader: Permission | None = None
    description: str = ""
    columns: tuple[str, ...] = field(default=())
    #: Fields a state-changing step sets (the outcome given when a case is closed); a step that
    #: keeps the state (an amendment) may set any field a person types.
    step_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = {f.name for f in self.fields}
        for name in (*self.key, *self.filters, *self.columns, *chain(*self.step_fields.values())):
            if name not in names:
                raise ValueError(f"register {self.name} names unknown field {name}")
        for action in (*self.create_actions, *self.step_fields):
            self.workflow.step(action)
        for action in self.create_actions:
            if NEW not in self.workflow.step(action).source:
                raise ValueError(f"register {self.name}: {action} does not start from {NEW}")

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise InputError(f"{self.label} has no field {name}", field=name)

    def settable(self, action: str) -> frozenset[str]:
        """The fields ``action`` may set."""
        if self.workflow.step(action).stays:
            return frozenset(f.name for f in self.input_fields)
        return frozenset(self.step_fields.get(action, ()))

    @property
    def entity_type(self) -> str:
        """How the audit trail names this register's records."""
        return f"governance.{self.name}"

    @property
    def input_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if not f.derived)

    @property
    def shown_columns(self) -> tuple[str, ...]:
        return self.columns or tuple(f.name for f in self.fields if not f.protected)[:6]

    def reference(self, values: Mapping[str, object]) -> str:
        """The natural key as one text: what makes a second import of the same row a duplicate."""
        return " | ".join(str(values[name]) for name in self.key)


def parse_value(spec: FieldSpec, raw: str) -> object:
    """Parse one text value by the field's kind into its stored (JSON-safe) form."""
    text = raw.strip()
    if "\x00" in text:
        raise InputError(f"{spec.label} contains a NUL character", field=spec.name)
    if not text:
        if spec.required:
            raise InputError(f"{spec.label} is required", field=spec.name)
        return None
    if len(text) > MAX_TEXT:
        raise InputError(f"{spec.label} is longer than {MAX_TEXT} characters", field=spec.name)
    if spec.kind is FieldKind.DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise InputError(f"{spec.label} must be a date YYYY-MM-DD", field=spec.name) from None
    if spec.kind is FieldKind.INTEGER:
        if not text.isdigit() or len(text) > 12:
            raise InputError(f"{spec.label} must be a whole number", field=spec.name)
        number = int(text)
        if spec.maximum is not None and number > spec.maximum:
            raise InputError(f"{spec.label} must be at most {spec.maximum}", field=spec.name)
        return number
    if spec.kind is FieldKind.AMOUNT:
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise InputError(
                f"{spec.label} must be an amount like 1200.50", field=spec.name
            ) from None
        if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise InputError(
                f"{spec.label} must be a non-negative amount with at most 2 decimals "
                "(it is never rounded)",
                field=spec.name,
            )
        return str(amount)
    if spec.kind is FieldKind.YES_NO:
        lowered = text.lower()
        if lowered in {"yes", "true", "y", "1"}:
            return True
        if lowered in {"no", "false", "n", "0"}:
            return False
        raise InputError(f"{spec.label} must be yes or no", field=spec.name)
    if spec.kind is FieldKind.CHOICE and text not in spec.choices:
        raise InputError(
            f"{spec.label} must be one of: {', '.join(spec.choices)} (not {text!r})",
            field=spec.name,
        )
    return text


def parse_record(
    register: RegisterSpec, raw: Mapping[str, str], *, partial: bool = False
) -> dict[str, object]:
    """Parse a whole record; an unknown field is refused, a missing required one too
    (unless ``partial``: an amendment names only what it changes)."""
    known = {f.name for f in register.input_fields}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(
            f"{register.label} has no field {', '.join(unknown)} "
            f"(fields: {', '.join(sorted(known))})",
            field=unknown[0],
        )
    values: dict[str, object] = {}
    for spec in register.input_fields:
        if spec.name in raw:
            values[spec.name] = parse_value(spec, raw[spec.name])
        elif not partial:
            values[spec.name] = parse_value(spec, "")
    return values


def as_text(value: object) -> str:
    """A stored value as a person (or a CSV export) reads it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def typed_date(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def typed_amount(value: object) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)
