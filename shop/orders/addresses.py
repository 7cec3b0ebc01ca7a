"""The address book: an account's shipping addresses, at most `ADDRESS_BOOK_MAX`, one of
them the default (the checkout starts from it).

Callers pass the owner; every read and change is scoped to it, so one account can never
see or change another's addresses.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet

from .models import SHIPPING_FIELDS, Address

DEFAULT_ADDRESS_BOOK_MAX = 20


class AddressError(ValueError):
    """A change the address book refuses; `str(error)` says why."""


def address_book_max() -> int:
    return int(getattr(settings, "ADDRESS_BOOK_MAX", DEFAULT_ADDRESS_BOOK_MAX))


def address_list(*, user: AbstractBaseUser) -> QuerySet[Address]:
    """The account's addresses, the default first, then the newest."""
    return Address.objects.filter(user=user)


def address_get(*, user: AbstractBaseUser, address_id) -> Address | None:
    """One of the account's own addresses, or None (someone else's is None too)."""
    try:
        return Address.objects.filter(user=user, pk=int(address_id)).first()
    except (TypeError, ValueError):
        return None


def _lock_owner(user: AbstractBaseUser) -> None:
    # Serialises changes to one account's book (the count limit, the one default).
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


def _fields(data: dict) -> dict[str, str]:
    return {f: str(data.get(f) or "") for f in SHIPPING_FIELDS}


def address_create(*, user: AbstractBaseUser, data: dict, make_default: bool = False) -> Address:
    """Add an address (the first one becomes the default); AddressError when the book is
    full."""
    with transaction.atomic():
        _lock_owner(user)
        book = Address.objects.filter(user=user)
        count = book.count()
        if count >= address_book_max():
            raise AddressError(
                f"Your address book holds at most {address_book_max()} addresses: "
                "delete one to add another."
            )
        make_default = make_default or count == 0
        if make_default:
            book.filter(is_default=True).update(is_default=False)
        return Address.objects.create(user=user, is_default=make_default, **_fields(data))


def address_save_from_checkout(*, user: AbstractBaseUser, data: dict) -> Address | None:
    """Keep a checkout's address in the book unless the same one is there already;
    None when it is (or the book is full: the order never fails for it)."""
    fields = _fields(data)
    if Address.objects.filter(user=user, **fields).exists():
        return None
    try:
        return address_create(user=user, data=fields)
    except AddressError:
        return None


def address_update(*, address: Address, data: dict) -> Address:
    for field, value in _fields(data).items():
        setattr(address, field, value)
    address.save(update_fields=list(SHIPPING_FIELDS))
    return address


def address_make_default(*, address: Address) -> None:
    with transaction.atomic():
        _lock_owner(address.user)
        Address.objects.filter(user_id=address.user_id, is_default=True).exclude(
            pk=address.pk
        ).update(is_default=False)
        Address.objects.filter(pk=address.pk).update(is_default=True)


def address_delete(*, address: Address) -> None:
    """Delete an address; when it was the default, the newest remaining one takes over.
    Orders keep their own copy of the address, so none changes."""
    with transaction.atomic():
        _lock_owner(address.user)
        was_default = Address.objects.filter(pk=address.pk, is_default=True).exists()
        Address.objects.filter(pk=address.pk).delete()
        if was_default:
            successor = Address.objects.filter(user_id=address.user_id).first()
            if successor is not None:
                Address.objects.filter(pk=successor.pk).update(is_default=True)
