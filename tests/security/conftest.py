"""The security tests reuse the real-time tests' small bank and payment builder."""

from tests.realtime.conftest import bank, payment

__all__ = ["bank", "payment"]
