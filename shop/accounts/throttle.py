"""Which account a failed sign-in counts against, for django-axes (AXES_USERNAME_CALLABLE)."""

from __future__ import annotations


def login_name(request, credentials) -> str | None:
    """The name the visitor tried to sign in as, whichever form they used.

    The admin's form authenticates with `username`; allauth's form posts the address in
    `login` and authenticates with `email`. Email addresses count case-insensitively, so
    "Alice@" and "alice@" share one counter.
    """
    credentials = credentials or {}
    name = credentials.get("username") or credentials.get("email")
    if not name and request is not None:
        name = request.POST.get("login") or request.POST.get("username")
    if not isinstance(name, str) or not name:
        return None
    return name.strip().lower() if "@" in name else name
