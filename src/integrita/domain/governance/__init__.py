"""The governance and integrity registers, each a :class:`~integrita.domain.registers.RegisterSpec`."""

from __future__ import annotations

from integrita.domain.governance.integrity import (
    GIFT,
    INSPECTION,
    INTEGRITY_ATTESTATION,
    RECTIFICATION,
    TRAINING,
    WHISTLEBLOWING,
)
from integrita.domain.governance.partners import (
    BRAND_EXEMPTION,
    BRAND_USER,
    IP_CASE,
    SUPPLIER,
    SUPPLIER_ASSESSMENT,
    SUPPLIER_PROGRAMME,
)
from integrita.domain.governance.segregation import (
    CONFLICT_DECLARATION,
    DEALING_REQUEST,
    EMPLOYEE_TRADE,
    ISSUER_LIST,
    WALL_CROSSING,
)
from integrita.domain.registers import RegisterSpec
from integrita.errors import NotFoundError

REGISTERS: dict[str, RegisterSpec] = {
    spec.name: spec
    for spec in (
        ISSUER_LIST,
        WALL_CROSSING,
        DEALING_REQUEST,
        EMPLOYEE_TRADE,
        CONFLICT_DECLARATION,
        GIFT,
        TRAINING,
        INTEGRITY_ATTESTATION,
        INSPECTION,
        RECTIFICATION,
        WHISTLEBLOWING,
        SUPPLIER,
        SUPPLIER_ASSESSMENT,
        SUPPLIER_PROGRAMME,
        BRAND_USER,
        BRAND_EXEMPTION,
        IP_CASE,
    )
}


def register_named(name: str) -> RegisterSpec:
    try:
        return REGISTERS[name]
    except KeyError:
        raise NotFoundError(f"no register {name!r} (registers: {', '.join(REGISTERS)})") from None
