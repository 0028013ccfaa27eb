"""Departments and routing rules: which department a complaint of a category (and product) goes to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrita.domain import complaint as fsm
from integrita.domain.permissions import Permission
from integrita.domain.workflow import Actor
from integrita.errors import InputError
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.permissions import ensure_permitted
from integrita.store import Session
from integrita.store.models import Department, RoutingRule
from integrita.store.repositories import care as care_repo
from integrita.store.repositories import users as users_repo


#: Who may edit departments and routing rules.
def add_department(
    ctx: Context, code: str, name: str, head_username: str | None, actor: Actor
) -> int:
    ensure_permitted(actor, Permission.ROUTING_EDIT)
    code = code.strip().lower()
    if not code:
        raise InputError("department code must not be empty", field="code")
    with ctx.db.transaction() as session:
        if care_repo.department_by_code(session, code) is not None:
            raise InputError(f"department {code!r} already exists", field="code")
        head_id = None
        if head_username:
            head = users_repo.get_by_username(session, head_username)
            if head is None:
                raise InputError(f"no user {head_username!r}", field="head")
            head_id = head.id
        dept = care_repo.add(session, Department(code=code, name=name, head_user_id=head_id))
        audit.record(
            session,
            at=ctx.now(),
            actor=actor.username,
            action="care.department_added",
            entity_type="care_department",
            entity_id=dept.id,
            after={"code": code, "name": name, "head": head_username},
        )
        return int(dept.id)


@dataclass(frozen=True, slots=True)
class DepartmentView:
    id: int
    code: str
    name: str
    head_user_id: int | None


def list_departments(ctx: Context) -> list[DepartmentView]:
    with ctx.db.transaction() as session:
        return [
            DepartmentView(d.id, d.code, d.name, d.head_user_id)
            for d in care_repo.list_departments(session)
        ]


def set_routing_rule(
    ctx: Context, category: str, product: str | None, department_code: str, actor: Actor
) -> None:
    """Complaints of ``category`` (about ``product``, when given) go to the department."""
    ensure_permitted(actor, Permission.ROUTING_EDIT)
    if category not in fsm.CATEGORIES:
        raise InputError(f"unknown category {category!r}", field="category")
    product = product or None
    with ctx.db.transaction() as session:
        dept = care_repo.department_by_code(session, department_code)
        if dept is None:
            raise InputError(f"no department {department_code!r}", field="department")
        rule = care_repo.routing_rule(session, category, product)
        before = None if rule is None else {"department_id": rule.department_id}
        if rule is None:
            rule = care_repo.add(
                session, RoutingRule(category=category, product=product, department_id=dept.id)
            )
        else:
            rule.department_id = dept.id
        audit.record(
            session,
            at=ctx.now(),
            actor=actor.username,
            action="care.routing_rule_set",
            entity_type="care_routing_rule",
            entity_id=rule.id,
            before=before,
            after={"category": category, "product": product, "department": department_code},
        )


def list_routing_rules(ctx: Context) -> list[dict[str, Any]]:
    with ctx.db.transaction() as session:
        depts = {d.id: d.code for d in care_repo.list_departments(session)}
        return [
            {"category": r.category, "product": r.product, "department": depts[r.department_id]}
            for r in care_repo.list_routing_rules(session)
        ]


def route(session: Session, category: str, product: str | None) -> Department | None:
    """The most specific rule wins: category and product, then category alone."""
    rule = None
    if product:
        rule = care_repo.routing_rule(session, category, product)
    if rule is None:
        rule = care_repo.routing_rule(session, category, None)
    return None if rule is None else care_repo.get_department(session, rule.department_id)
