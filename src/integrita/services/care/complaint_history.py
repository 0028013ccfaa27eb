"""A complaint's history as its page shows it: each step of the audit trail with what it carried
(reasons, QA notes, the outcome told), so the page can never disagree with the trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import orjson


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    detail: str | None
    #: The step as staff name it ("Fail verification").
    label: str = ""
    #: What the step carried that a reader needs: reasons, QA notes, outcome, department.
    notes: tuple[tuple[str, str], ...] = ()


#: Fields of a step's audit event shown in the history, with their labels, in this order.
HISTORY_NOTES = (
    ("reason", "Reason"),
    ("note", "QA note"),
    ("duplicate_of", "Duplicate of complaint"),
    ("department", "Department"),
    ("root_cause", "Root cause"),
    ("corrective_action", "Corrective action"),
    ("preventive_action", "Preventive action"),
    ("meeting_record", "Analysis meeting"),
    ("outcome", "Outcome told"),
    ("satisfaction", "Satisfaction (1-5)"),
)


def history_entry(at: datetime, actor: str, action: str, after: str | None) -> HistoryEntry:
    """One audit event of a complaint as its history shows it: the step and what it carried."""
    try:
        data = orjson.loads(after) if after else {}
    except orjson.JSONDecodeError:
        data = {}
    found = data if isinstance(data, dict) else {}
    notes = tuple(
        (label, str(found[key])) for key, label in HISTORY_NOTES if found.get(key) not in (None, "")
    )
    name = action.split(".", 1)[-1].replace("_", " ").capitalize()
    return HistoryEntry(at, actor, action, after, name, notes)
