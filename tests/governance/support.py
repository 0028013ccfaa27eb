"""People and helpers the governance tests share."""

from __future__ import annotations

from integrita.domain.workflow import Actor

ANALYST = Actor("alice", frozenset({"analyst"}))
ANALYST_2 = Actor("arun", frozenset({"analyst"}))
REVIEWER = Actor("rita", frozenset({"reviewer"}))
REVIEWER_2 = Actor("ravi", frozenset({"reviewer"}))
MLRO = Actor("mona", frozenset({"mlro"}))
EMPLOYEE = Actor("ed", frozenset({"product_owner"}))
AUDITOR = Actor("otto", frozenset({"auditor"}))
