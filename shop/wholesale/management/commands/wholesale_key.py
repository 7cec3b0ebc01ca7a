"""`manage.py wholesale_key CLIENT [--name NAME] | --list | --revoke PREFIX`: issue, list
and revoke a wholesale client's API keys from the shell.

CLIENT is the client's public id or its exact company name (case-insensitive). An issued
key is printed once, to stdout, and never again: only its prefix and hash are stored.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from shop.wholesale import services
from shop.wholesale.models import ApiKey, Client


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = (
        "Issue an API key for a wholesale client (printed once), list its keys (--list) or "
        "revoke one (--revoke PREFIX). CLIENT is the client's public id or exact company name."
    )

    def add_arguments(self, parser):
        parser.add_argument("client", help="The client's public id or exact company name.")
        parser.add_argument("--name", default="", help="What the key is for (max 80 chars).")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--list", action="store_true", help="List the client's keys.")
        group.add_argument(
            "--revoke", metavar="PREFIX", help="Revoke the client's key with this prefix."
        )

    def handle(self, *args, client: str, name: str, list: bool, revoke: str | None, **options):
        found = self._client(client)
        if list:
            return self._list(found)
        if revoke:
            return self._revoke(found, revoke)
        if not found.is_active:
            raise CommandError(
                f"{found.company} ({found.public_id}) is suspended: a key would not work. "
                "Make the client active in the admin first."
            )
        name = name.strip()
        if len(name) > 80 or any(ord(c) < 32 for c in name):
            raise CommandError("--name must be one line of at most 80 characters.")
        row, key = services.api_key_issue(client=found, name=name)
        self.stdout.write(key)
        self.stderr.write(
            f"API key cfk_{row.prefix}_… issued for {found.company}: store it now, it will "
            "not be shown again."
        )
        return None

    def _client(self, value: str) -> Client:
        value = value.strip()
        if not value or len(value) > 160:
            raise CommandError("Give a client's public id or exact company name.")
        matches = list(
            Client.objects.filter(Q(public_id=value) | Q(company__iexact=value)).order_by("pk")[:5]
        )
        exact_id = [c for c in matches if c.public_id == value]
        if exact_id:
            return exact_id[0]
        if not matches:
            raise CommandError(f"No wholesale client with the public id or company name {value!r}.")
        if len(matches) > 1:
            ids = ", ".join(c.public_id for c in matches)
            raise CommandError(
                f"{len(matches)} clients are named {value!r} ({ids}): give the public id."
            )
        return matches[0]

    def _list(self, client: Client) -> None:
        keys = ApiKey.objects.filter(client=client).order_by("created_at", "pk")
        self.stdout.write(f"Keys of {client.company} ({client.public_id}):")
        if not keys:
            self.stdout.write("  none")
        for key in keys:
            self.stdout.write(
                f"  cfk_{key.prefix}_…  {key.name or '-':<20}  created {_when(key.created_at)}"
                f"  last used {_when(key.last_used_at)}"
                f"  {'revoked ' + _when(key.revoked_at) if key.revoked_at else 'live'}"
            )

    def _revoke(self, client: Client, prefix: str) -> None:
        prefix = prefix.strip().removeprefix("cfk_").split("_")[0]
        key = ApiKey.objects.filter(client=client, prefix=prefix).first()
        if key is None:
            raise CommandError(f"{client.company} has no key with the prefix {prefix!r}.")
        if not services.api_key_revoke(key_id=key.pk):
            raise CommandError(f"Key cfk_{prefix}_… was revoked already.")
        self.stdout.write(f"Revoked cfk_{prefix}_… of {client.company}.")
