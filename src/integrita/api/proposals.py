"""What every governed, versioned proposal shows through the API: its version and status, who
proposed it, the business and technology approvals it needs before it takes effect, and the
version it was drafted against with its diff (rule sets and detector parameter sets alike)."""

from __future__ import annotations

from typing import Any

from integrita.http.responses import ViewOut


class ProposalOut(ViewOut):
    version: int
    status: str
    note: str | None
    proposed_by: str
    business_approved_by: str | None
    technology_approved_by: str | None
    base_version: int | None = None
    diff: dict[str, Any] | None = None
