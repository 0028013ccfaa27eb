"""Overview fixtures: the case-work people factory and the goAML context."""

from __future__ import annotations

from tests.casework.conftest import goaml_ctx, person

__all__ = ["goaml_ctx", "person"]
