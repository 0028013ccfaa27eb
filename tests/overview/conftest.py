"""Overview fixtures: the case-work people factory and cheap password hashing."""

from __future__ import annotations

from tests.casework.conftest import cheap_password_hashing, goaml_ctx, person

__all__ = ["cheap_password_hashing", "goaml_ctx", "person"]
