"""A sent quote as a PDF for the client: lines, prices, shipping, totals, lead time,
validity and terms, rendered from what is stored with ReportLab in invariant mode (no
creation date or random document id), so the same quote gives the same bytes."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .models import Quote
from .presentation import (
    NEVER_FREE,
    country_name,
    date_text,
    line_views,
    money,
    quote_shipping,
    terms_label,
)

COMPANY = "caseforge"


def _p(text: str, style) -> Paragraph:
    # Everything in the document comes from the database (company names, notes): escaped,
    # since Paragraph reads a small markup language.
    return Paragraph(escape(str(text)), style)


def quote_pdf(*, quote: Quote) -> bytes:
    """The quote's PDF: lines, prices, shipping, totals, lead time, validity and terms,
    rendered from what is stored (the same quote gives the same document)."""
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    cur = quote.currency
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Quote {quote.number}",
        author=COMPANY,
        invariant=1,
    )
    sender = str(getattr(settings, "DEFAULT_FROM_EMAIL", ""))
    story = [
        _p(f"{COMPANY} wholesale", styles["Title"]),
        _p(f"Phone cases made to order. {sender}", small),
        Spacer(1, 6 * mm),
        _p(f"Quote {quote.number}", styles["Heading2"]),
    ]
    facts = [
        ("Date", date_text(quote.sent_at or quote.priced_at or quote.created_at)),
        ("For", ", ".join(p for p in (quote.company, quote.contact_name) if p) or quote.email),
        ("Email", quote.email),
        ("Reference", quote.reference or "–"),
        ("Ship to", country_name(quote.ship_country)),
        ("Valid until", date_text(quote.valid_until)),
        ("Lead time", f"{quote.lead_time_days} days" if quote.lead_time_days else "–"),
        ("Payment terms", terms_label(quote)),
        ("Currency", cur),
    ]
    table = Table([[k, _p(v, body)] for k, v in facts], colWidths=[35 * mm, 135 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    story += [table, Spacer(1, 6 * mm)]

    rows = [["SKU", "Product", "Phone", "Colour", "Design", "Qty", "Unit", "Total"]]
    for line in line_views(quote):
        rows.append(
            [
                _p(line.sku, small),
                _p(line.name, small),
                _p(line.phone_model, small),
                _p(line.colour, small),
                "yes" if line.designed else "no",
                str(line.quantity),
                money(line.unit_price, cur),
                money(line.line_total, cur),
            ]
        )
    shipping = quote_shipping(quote)
    rows.append(["", "", "", "", "", "", "Subtotal", money(quote.subtotal, cur)])
    rows.append(["", "", "", "", "", "", "Shipping", money(shipping, cur)])
    rows.append(["", "", "", "", "", "", "Total", money(quote.total, cur)])
    widths = [mm * w for w in (28, 36, 26, 18, 13, 14, 17, 22)]
    lines = Table(rows, colWidths=widths, repeatRows=1)
    last = len(rows) - 1
    lines.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("LINEABOVE", (0, last - 2), (-1, last - 2), 0.5, colors.black),
                ("FONTNAME", (6, last), (-1, last), "Helvetica-Bold"),
                ("ALIGN", (5, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [lines, Spacer(1, 6 * mm)]
    story.append(_p(NEVER_FREE, body))
    story.append(
        _p(
            "Unit prices include the design surcharge where a line is printed with your "
            "design. Prices are fixed until the quote's validity date.",
            small,
        )
    )
    if quote.note:
        story += [Spacer(1, 4 * mm), _p(f"Note: {quote.note}", small)]
    doc.build(story)
    return out.getvalue()
