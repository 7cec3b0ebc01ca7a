"""The shopper's account page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import account_designs


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    """The signed-in shopper's email address and saved designs (orders come with checkout)."""
    designs = account_designs(user_id=request.user.pk)
    return render(request, "accounts/home.html", {"designs": designs})
