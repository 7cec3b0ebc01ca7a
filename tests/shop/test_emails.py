"""The one form the shop compares email addresses in (shop.emails.email_canonical): the same
mailbox written differently gets one form; two different mailboxes, however alike they
look, never do."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from shop.emails import email_canonical

# Characters that look like (or case-map to) an ASCII letter but are another letter: each
# spells a different mailbox or domain. The dotless ı upper-cases to I in PostgreSQL.
LOOK_ALIKES = {
    "i": ["ı", "İ", "і", "ι", "ｉ"],  # dotless, Turkish dotted capital, Cyrillic, Greek, fullwidth
    "a": ["а", "α", "ａ"],  # Cyrillic, Greek, fullwidth
    "o": ["о", "ο", "０"],  # Cyrillic, Greek, fullwidth zero
    "e": ["е", "ε"],  # Cyrillic, Greek
    "c": ["с", "ϲ"],  # Cyrillic, Greek lunate sigma
    "s": ["ſ", "ѕ", "ß"],  # long s, Cyrillic dze, sharp s
    "k": ["κ", "к"],  # Greek, Cyrillic
}
LETTERS = "".join(LOOK_ALIKES)

local_parts = st.text(alphabet=string.ascii_letters + string.digits + ".+-_", min_size=1)
labels = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=20)
domains = st.lists(labels, min_size=2, max_size=3).map(".".join)
ascii_addresses = st.builds("{}@{}".format, local_parts, domains)

_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def ascii_upper(text: str) -> str:
    """Only a-z upper-cased (str.upper() would turn ı into I: another address)."""
    return text.translate(_ASCII_UPPER)


def test_the_examples():
    assert email_canonical("  Victim@GMAIL.com ") == "victim@gmail.com"
    assert email_canonical("victim@gmaıl.com") == "victim@xn--gmal-nza.com"  # another domain
    assert email_canonical("victim@faß.de") == "victim@xn--fa-hia.de"  # not fass.de
    assert email_canonical("straße@example.de") == "straße@example.de"  # not strasse
    assert email_canonical("victim@ｇｍａｉｌ.com") == "victim@gmail.com"  # the same domain
    assert email_canonical("ｖｉｃｔｉｍ@gmail.com") == "ｖｉｃｔｉｍ@gmail.com"  # not mapped


@given(st.text(), st.text())
@example("J\u030c", "x")  # lower-casing J makes a pair NFC composes
@example("a", "☃.com")  # a domain IDNA2008 refuses
def test_the_form_is_its_own_form(local, domain):
    once = email_canonical(f"{local}@{domain}")
    assert email_canonical(once) == once


@given(ascii_addresses, ascii_addresses)
@example("Victim@Gmail.com", "victim@gmail.com")
def test_ascii_addresses_match_exactly_when_they_differ_only_in_case(a, b):
    assert (email_canonical(a) == email_canonical(b)) == (a.lower() == b.lower())


@given(st.text(), st.text())
def test_canonically_equivalent_spellings_match(local, domain):
    """A composed é and e + U+0301 are one character to Unicode, and one here."""
    address = f"{local}@{domain}"
    composed = unicodedata.normalize("NFC", address)
    decomposed = unicodedata.normalize("NFD", address)
    assert email_canonical(composed) == email_canonical(decomposed) == email_canonical(address)


@given(ascii_addresses.filter(lambda a: any(ch in LETTERS for ch in a.lower())), st.data())
@example("victim@gmail.com", None)
def test_a_look_alike_letter_is_another_mailbox(address, data):
    """One ASCII letter swapped for a letter of another script, a dotless or dotted i, a
    sharp s or (in the local part) a fullwidth form or long s: another mailbox, whatever
    the case of its ASCII letters, so never the original's form."""
    address = address.lower()
    spots = [n for n, ch in enumerate(address) if ch in LOOK_ALIKES]
    if data is None:  # the explicit example: every spot, every look-alike
        swaps = [(n, other) for n in spots for other in LOOK_ALIKES[address[n]]]
    else:
        n = data.draw(st.sampled_from(spots))
        swaps = [(n, data.draw(st.sampled_from(LOOK_ALIKES[address[n]])))]
    original = {email_canonical(address), email_canonical(ascii_upper(address))}
    at = address.rindex("@")
    for n, other in swaps:
        if n > at and unicodedata.normalize("NFKC", other).isascii():
            continue  # fullwidth or long s in a domain: the same domain (IDNA maps them)
        changed = address[:n] + other + address[n + 1 :]
        for spelling in (changed, ascii_upper(changed)):
            assert email_canonical(spelling) not in original, (spelling, address)


@given(ascii_addresses)
def test_a_fullwidth_domain_is_the_same_domain_a_fullwidth_local_part_is_not(address):
    """IDNA maps a fullwidth domain to the ASCII name DNS resolves: the same domain. The
    local part is the receiving server's to read, and only its ASCII case is ignored."""
    local, _, domain = address.rpartition("@")

    def fullwidth(text: str) -> str:
        return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)

    assert email_canonical(f"{local}@{fullwidth(domain)}") == email_canonical(address)
    if any(ch.isalnum() for ch in local):
        assert email_canonical(f"{fullwidth(local)}@{domain}") != email_canonical(address)


@pytest.mark.parametrize(
    "a, b",
    [
        ("straße@example.de", "strasse@example.de"),
        ("victim@faß.de", "victim@fass.de"),
        ("STRAẞE@example.de", "strasse@example.de"),  # capital sharp s
        ("victim@gmail.com", "victim@gmail.com.evil.example"),
        ("vi̇ctim@gmail.com", "victim@gmail.com"),  # i + combining dot above (İ lowered)
    ],
)
def test_distinct_mailboxes_that_case_folding_would_merge(a, b):
    assert email_canonical(a) != email_canonical(b)
