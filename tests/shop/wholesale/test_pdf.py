"""The quote PDF: what the client reads in it (through poppler's pdftotext), and the same
bytes for the same quote."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal

import pytest

from shop.wholesale.models import Client, QuoteLine, QuoteStatus
from shop.wholesale.pdf import quote_pdf
from tests.factories import WholesaleClientFactory
from tests.shop.wholesale.staff_quotes import make_quote, make_variant
from tests.tools import tool_missing

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes, tmp_path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        tool_missing("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "quote.pdf"
    path.write_bytes(data)
    out = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode()


def test_pdf_holds_the_quote_numbers(tmp_path):
    client = WholesaleClientFactory(company="Acme Cases GmbH", payment_terms=Client.Terms.NET_30)
    quote = make_quote(
        status=QuoteStatus.SENT,
        client=client,
        variant=make_variant(sku="RUG-PX8-BLU"),
        quantity=200,
        unit_price="21.50",
        shipping="47.00",
    )
    # A second line with a design surcharge and a staff price.
    second = make_variant(sku="SLM-PX8-RED")
    QuoteLine.objects.create(
        quote=quote,
        position=2,
        variant=second,
        quantity=50,
        list_price=Decimal("30.00"),
        unit_price=Decimal("12.00"),
        surcharge=Decimal("2.50"),
        line_total=Decimal("725.00"),
    )
    text = pdf_text(quote_pdf(quote=quote), tmp_path)
    for expected in (
        quote.number,
        "Acme Cases GmbH",
        "PO-7781",
        "RUG-PX8-BLU",
        "SLM-PX8-RED",
        "Pixel 8",
        "Blue",
        "$21.50",
        "$4300.00",
        "$14.50",  # 12.00 + 2.50 surcharge per unit
        "$725.00",
        "$47.00",
        "$4347.00",
        "USD",
        "6 days",
        "Net 30",
        "Germany",
        "never ship free",
    ):
        assert expected in text, expected
    designs = [line for line in text.splitlines() if "RUG-PX8-BLU" in line or "SLM-PX8-RED" in line]
    assert all(" no " in line for line in designs)  # stock cases: "Design: no"


def test_same_quote_same_bytes():
    quote = make_quote(status=QuoteStatus.SENT)
    first = quote_pdf(quote=quote)
    assert first.startswith(b"%PDF-")
    assert quote_pdf(quote=quote) == first


def test_text_from_the_database_is_not_markup(tmp_path):
    """A company name with ReportLab markup characters is printed as written."""
    quote = make_quote(status=QuoteStatus.SENT, company="<b>Bold & Co</b>", note="<font>x")
    text = pdf_text(quote_pdf(quote=quote), tmp_path)
    assert "<b>Bold & Co</b>" in text
