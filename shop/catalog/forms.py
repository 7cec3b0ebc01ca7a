"""Storefront forms: the catalog filter (GET) and its page number."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from .models import Colour, Material, PhoneModel, Style
from .selectors import DEFAULT_SORT, SORTS, CatalogFilters

PRICE_MAX_DIGITS = 8
SEARCH_MAX_LENGTH = 100
PAGE_ECHO_MAX_LENGTH = 20


def _price_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal("0"),
        max_digits=PRICE_MAX_DIGITS,
        decimal_places=2,
        error_messages={
            "invalid": f"{label} must be a number; it was ignored.",
            "min_value": f"{label} cannot be negative; it was ignored.",
            "max_digits": f"{label} is too large; it was ignored.",
            "max_whole_digits": f"{label} is too large; it was ignored.",
            "max_decimal_places": f"{label} can have at most 2 decimals; it was ignored.",
        },
        widget=forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"}),
    )


class CatalogFilterForm(forms.Form):
    """The catalog's GET filters. Invalid values never fail the page: `filters()` drops them
    and `notices()` says, in plain words, what was ignored."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        strip=True,
        error_messages={
            "max_length": f"Search text is longer than {SEARCH_MAX_LENGTH} characters; "
            "it was ignored.",
            "null_characters_not_allowed": "Search text contains invalid characters; "
            "it was ignored.",
        },
    )
    model = forms.ChoiceField(
        label="Phone model",
        required=False,
        error_messages={"invalid_choice": "Unknown phone model '%(value).40s' was ignored."},
    )
    material = forms.ChoiceField(
        label="Material",
        required=False,
        choices=[("", "Any material"), *Material.choices],
        error_messages={"invalid_choice": "Unknown material '%(value).40s' was ignored."},
    )
    style = forms.ChoiceField(
        label="Style",
        required=False,
        choices=[("", "Any style"), *Style.choices],
        error_messages={"invalid_choice": "Unknown style '%(value).40s' was ignored."},
    )
    colour = forms.ChoiceField(
        label="Colour",
        required=False,
        error_messages={"invalid_choice": "Unknown colour '%(value).40s' was ignored."},
    )
    min_price = _price_field("Minimum price")
    max_price = _price_field("Maximum price")
    in_stock = forms.BooleanField(label="In stock only", required=False)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=list(SORTS.items()),
        error_messages={
            "invalid_choice": "Unknown sort order '%(value).40s' was ignored; sorted by name."
        },
    )

    def __init__(self, data, *, phone_models: list[PhoneModel], colours: list[Colour]):
        super().__init__(data)
        self._phone_models = {pm.slug: pm for pm in phone_models}
        self._colours = {c.slug: c for c in colours}
        by_brand: dict[str, list[tuple[str, str]]] = {}
        for pm in phone_models:
            by_brand.setdefault(pm.brand, []).append((pm.slug, str(pm)))
        self.fields["model"].choices = [("", "Any phone model"), *by_brand.items()]
        self.model_groups = list(by_brand.items())
        self.fields["colour"].choices = [("", "Any colour"), *((c.slug, c.name) for c in colours)]
        self.colours = colours

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            cleaned.pop("min_price")
            cleaned.pop("max_price")
            raise forms.ValidationError(
                "Minimum price (%(low)s) is above maximum price (%(high)s); "
                "the price range was ignored.",
                code="price_range",
                params={"low": f"{low:.2f}", "high": f"{high:.2f}"},
            )
        return cleaned

    def filters(self) -> CatalogFilters:
        """The valid filters (call after is_valid())."""
        data = self.cleaned_data
        return CatalogFilters(
            q=data.get("q") or "",
            phone_model=self._phone_models.get(data.get("model") or ""),
            material=data.get("material") or "",
            style=data.get("style") or "",
            colour=self._colours.get(data.get("colour") or ""),
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            in_stock=bool(data.get("in_stock")),
            sort=data.get("sort") or DEFAULT_SORT,
        )

    def selected(self) -> dict[str, object]:
        """The values in effect, for the template (ignored values show as empty)."""
        data = self.cleaned_data
        prices = {k: data.get(k) for k in ("min_price", "max_price")}
        return {
            "q": data.get("q") or "",
            "model": data.get("model") or "",
            "material": data.get("material") or "",
            "style": data.get("style") or "",
            "colour": data.get("colour") or "",
            **{k: "" if v is None else f"{v:f}" for k, v in prices.items()},
            "in_stock": bool(data.get("in_stock")),
            "sort": data.get("sort") or DEFAULT_SORT,
        }

    def canonical_params(self) -> list[tuple[str, str]]:
        """The filters in effect as (name, value) pairs, in field order, without defaults,
        ignored values or parameters the form does not know (utm_*, anything else).

        Two requests with the same filters give the same pairs however their query strings
        were written: the catalog keys its cache on them and builds its page links from them.
        """
        selected = self.selected()
        params = [
            (name, str(selected[name]))
            for name in ("q", "model", "material", "style", "colour", "min_price", "max_price")
            if selected[name]
        ]
        if selected["in_stock"]:
            params.append(("in_stock", "1"))
        if selected["sort"] != DEFAULT_SORT:
            params.append(("sort", str(selected["sort"])))
        return params

    def notices(self) -> list[str]:
        """Plain-language notes on every ignored value, in field order."""
        notes = [str(e) for name in self.fields for e in self.errors.get(name, [])]
        notes.extend(str(e) for e in self.non_field_errors())
        return notes

    def active_filter_count(self) -> int:
        f = self.filters()
        return sum(
            bool(x)
            for x in (
                f.q,
                f.phone_model,
                f.material,
                f.style,
                f.colour,
                f.min_price is not None,
                f.max_price is not None,
                f.in_stock,
            )
        )


QUICK_CHOICES = {
    "model": None,  # any slug: see quick_canonical_params
    "material": frozenset(Material.values),
    "style": frozenset(Style.values),
    "colour": None,
}
QUICK_IN_STOCK = frozenset({"1", "on", "true"})  # what the checkbox widget reads as ticked
FREE_INPUT = ("q", "min_price", "max_price")


def quick_canonical_params(data) -> list[tuple[str, str]] | None:
    """What `canonical_params()` of a valid form on `data` would be, without building the
    form (which costs more than serving a cached catalog page), or None when the form must
    decide: a search text or price is given, or a material, style, sort or in-stock value
    that the form might not take exactly as written.

    Phone model and colour slugs are taken on trust, as they would need the database: the
    catalog only uses these params to look its cache up, and the cache holds entries only
    under params of validated forms, so a hit proves the slugs valid; on a miss it builds
    the form. Like the form's widgets, each parameter's last value counts.
    """
    if any(data.get(name) for name in FREE_INPUT):
        return None
    params = []
    for name, allowed in QUICK_CHOICES.items():
        value = data.get(name)
        if not value:
            continue
        if allowed is not None and value not in allowed:
            return None
        params.append((name, value))
    in_stock = data.get("in_stock")
    if in_stock:
        if in_stock not in QUICK_IN_STOCK:
            return None
        params.append(("in_stock", "1"))
    sort = data.get("sort")
    if sort:
        if sort not in SORTS:
            return None
        if sort != DEFAULT_SORT:
            params.append(("sort", sort))
    return params


def requested_page(raw: str | None) -> tuple[int, list[str]]:
    """The page number asked for by a raw `?page=` value (1 when missing), and a notice when
    the value is no page number at all (then page 1 is shown). Whether the page exists is
    known only with the results: see `page_beyond_end_notice`."""
    if raw is None or raw == "":
        return 1, []
    try:
        number = int(raw)
    except ValueError:
        shown = raw[:PAGE_ECHO_MAX_LENGTH]
        return 1, [f"Page '{shown}' is not a number; showing page 1."]
    if number < 1:
        return 1, [f"Page {number} does not exist; showing page 1."]
    return number, []


def page_beyond_end_notice(requested: int, shown: int) -> list[str]:
    """A notice when the requested page is past the last one, which is shown instead."""
    if requested <= shown:
        return []
    return [f"Page {requested} does not exist; showing the last page ({shown})."]
