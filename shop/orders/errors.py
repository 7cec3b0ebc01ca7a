"""The order rules' refusals: one exception family, its message for the shopper or staff."""

from __future__ import annotations


class OrderError(ValueError):
    """A request the order rules refuse; `str(error)` says why, for the shopper or staff."""


class IllegalTransition(OrderError):
    pass


class AddressInvalid(OrderError):
    """A shipping address refused; `errors` maps its fields to their messages."""

    def __init__(self, message: str, errors: dict[str, list[str]]):
        super().__init__(message)
        self.errors = errors
