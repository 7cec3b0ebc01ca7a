"""The one form in which the shop compares email addresses (pure: no Django).

Two addresses are the same mailbox here when their `email_canonical` forms are equal, and
the shop compares them in no other way (no `iexact`, no SQL `UPPER()`/`LOWER()`, no
`str.lower()`/`casefold()`): PostgreSQL's `UPPER()` maps the dotless `ı` to `I`, and
`casefold()` maps `ß` to `ss`, so either would merge two different mailboxes.
"""

from __future__ import annotations

import unicodedata

import idna

# Only the 26 ASCII letters change case; every other character is kept as it is.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _nfc_ascii_lower(text: str) -> str:
    """`text` up to canonical equivalence, with A-Z (also under accents) in lower case."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).translate(_ASCII_LOWER))


def email_canonical(value: str) -> str:
    """The address in the one form the shop compares addresses in.

    The rule: surrounding white space is dropped and the address is split at its last `@`.

    - Local part (before the `@`): Unicode canonical equivalence (NFD, then NFC, so a
      composed `é` and `e` + U+0301 are one), and the ASCII letters A-Z in lower case
      (`Victim` = `victim`). Nothing else is mapped: no compatibility forms (fullwidth
      `ｖ`, long `ſ`, ligatures stay themselves), no case of non-ASCII letters (`ı`, `İ`,
      `ß`, Cyrillic and Greek letters stay themselves). The receiving server decides what a
      local part means (RFC 5321), so only the ASCII case, which mail systems in practice
      ignore, and canonically equivalent code points (RFC 6532 asks for NFC) are merged.
    - Domain: its IDNA2008 ASCII form (UTS 46 mapping, non-transitional, as the `idna`
      package computes it): the name DNS resolves, so two spellings of one domain match
      (`GMAIL.com`, fullwidth `ｇｍａｉｌ.com`) and two different domains never do
      (`gmaıl.com` is `xn--gmal-nza.com`, `faß.de` is `xn--fa-hia.de`, not `fass.de`). A
      domain IDNA refuses keeps the local part's rule.

    So two addresses get one form only if they differ at most in the case of ASCII letters,
    in canonically equivalent code points, or in the spelling of one IDNA domain.
    """
    text = str(value).strip()
    local, at, domain = text.rpartition("@")
    if not at:
        return _nfc_ascii_lower(text)
    return f"{_nfc_ascii_lower(local)}@{_domain_canonical(domain)}"


def _domain_canonical(domain: str) -> str:
    try:
        return idna.encode(domain, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return _nfc_ascii_lower(domain)
