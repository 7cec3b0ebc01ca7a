"""The shopper's account pages: the account, its orders and its address book."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from shop.orders import addresses
from shop.orders.forms import AddressForm
from shop.orders.models import Address
from shop.orders.selectors import account_orders as orders_of

from .selectors import account_designs

ORDERS_PER_PAGE = 20


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    """The signed-in shopper's email address, links to orders and addresses, saved designs."""
    designs = account_designs(user_id=request.user.pk)
    recent = list(orders_of(user=request.user)[:3])
    return render(request, "accounts/home.html", {"designs": designs, "recent_orders": recent})


@login_required
def account_orders(request: HttpRequest) -> HttpResponse:
    """The account's orders, newest first (with guest orders placed with its confirmed
    email address)."""
    page = Paginator(orders_of(user=request.user), ORDERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "accounts/orders.html", {"page": page})


def _own(request: HttpRequest, address_id: int) -> Address:
    address = addresses.address_get(user=request.user, address_id=address_id)
    if address is None:
        raise Http404("No such address.")
    return address


@login_required
def address_book(request: HttpRequest) -> HttpResponse:
    book = list(addresses.address_list(user=request.user))
    context = {"addresses": book, "limit": addresses.address_book_max()}
    return render(request, "accounts/addresses.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def address_add(request: HttpRequest) -> HttpResponse:
    form = AddressForm(request.POST or None, initial={"country": settings.SHOP_COUNTRY})
    if request.method == "POST" and form.is_valid():
        try:
            addresses.address_create(user=request.user, data=form.address())
        except addresses.AddressError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Address saved.")
            return redirect("accounts:addresses")
    return render(request, "accounts/address_form.html", {"form": form, "address": None})


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request: HttpRequest, address_id: int) -> HttpResponse:
    address = _own(request, address_id)
    form = AddressForm(request.POST or None, initial=address.as_shipping())
    if request.method == "POST" and form.is_valid():
        addresses.address_update(address=address, data=form.address())
        messages.success(request, "Address saved.")
        return redirect("accounts:addresses")
    return render(request, "accounts/address_form.html", {"form": form, "address": address})


@login_required
@require_POST
def address_remove(request: HttpRequest, address_id: int) -> HttpResponse:
    addresses.address_delete(address=_own(request, address_id))
    messages.success(request, "Address deleted.")
    return redirect("accounts:addresses")


@login_required
@require_POST
def address_default(request: HttpRequest, address_id: int) -> HttpResponse:
    addresses.address_make_default(address=_own(request, address_id))
    messages.success(request, "Default address changed.")
    return redirect("accounts:addresses")
