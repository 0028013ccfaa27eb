"""What a reader sees instead of a key: one table of human labels for every report.

Reports are read by a board, a regulator or an auditor, not by the code; a column called
``on_time_first_response_rate`` or a state called ``qa_failed`` is a key, not a word. Every
report (PDF, page, CSV header) turns keys into words through :func:`label`, so a key is named
once here and a new key still prints as words (underscores and dots become spaces).
"""

from __future__ import annotations

import re

LABELS: dict[str, str] = {
    # complaint states and fields
    "received": "Received",
    "preprocessed": "Pre-processed",
    "assigned": "Assigned to a department",
    "rectified": "Rectified",
    "verified": "Verified by quality assurance",
    "customer_informed": "Customer informed",
    "closed": "Closed",
    "reopened": "Reopened",
    "valid": "Valid",
    "invalid": "Invalid",
    "duplicate": "Duplicate",
    "critical": "Critical",
    "on_time_first_response_rate": "Initial response within 24 h",
    "satisfaction_rate": "Satisfied customers",
    "reopen_rate": "Reopened",
    "resolution_hours_p50": "Resolution time, median (h)",
    "resolution_hours_p90": "Resolution time, 90th percentile (h)",
    "corrective_action": "Corrective action",
    "preventive_action": "Preventive action",
    "root_cause": "Root cause",
    # STR life
    "draft": "Draft",
    "approved": "Approved",
    "submitted": "Handed over",
    "acknowledged": "Acknowledged",
    "transferred": "Transferred to another authority",
    "filed": "Filed as a case",
    "strs_submitted": "STRs handed over",
    "strs_transferred": "of which transferred",
    "strs_filed": "of which filed",
    "strs_submitted_on_time": "Handed over on time",
    "proposals_reviewed": "Case proposals reviewed",
    "proposals_approved": "Proposals approved",
    "proposals_returned": "Proposals returned",
    "report_decisions_approved": "Decisions to report approved",
    "not_suspicious_approved": "Not-suspicious decisions approved",
    # large-value records
    "pending": "Pending",
    # risk
    "low": "Low",
    "medium": "Medium",
    "high": "High",
    "very_high": "Very high",
    "signed": "Signed",
    "reviewed": "Reviewed",
    "superseded": "Superseded",
    "launched": "Launched",
    "rejected": "Rejected",
    "approved_with_conditions": "Approved with conditions",
    "opinions_given": "Opinions given",
}

_WORD_BREAK = re.compile(r"[_.]+")


def label(key: str | None) -> str:
    """The words for ``key``: from the table, else the key with its separators made spaces."""
    if key is None:
        return ""
    known = LABELS.get(key)
    if known is not None:
        return known
    words = _WORD_BREAK.sub(" ", key).strip()
    return words[:1].upper() + words[1:]
