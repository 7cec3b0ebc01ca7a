"""django-import-export resources: bulk CSV import and export of products and variants.

Products are matched by `slug` and variants by `sku`, so re-importing an exported file
updates rows in place. Every value a row refers to (features, phone models, colours,
products) is given by slug, and a value that cannot be read (an unknown slug, a price that is
not a number, a material that is not one of ours) is reported as a validation error on its
row: the admin then shows the errors and saves nothing.
"""

from __future__ import annotations

from decimal import InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.encoding import force_str
from import_export import fields, resources, widgets

from .cache import catalog_revision_bump_once
from .models import CaseProduct, Colour, Feature, Finish, Material, PhoneModel, Style, Variant
from .pricing import shop_currency

# --- widgets that turn unreadable values into row-level validation errors -----------------
# import-export reports a ValueError raised while reading a field as a validation error on
# that field; other exceptions (DoesNotExist, decimal.InvalidOperation) become an opaque
# "error" with a traceback, so these widgets translate them.


class ChoiceWidget(widgets.CharWidget):
    """A TextChoices value, accepted as its code or its label in any letter case."""

    def __init__(self, choices: type[Material | Style | Finish], **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = force_str(value if value is not None else "").strip()
        if not text:
            return None
        for code, label in self.choices.choices:
            if text.lower() in (code.lower(), str(label).lower()):
                return code
        allowed = ", ".join(code for code, _ in self.choices.choices)
        raise ValueError(f"'{text}' is not one of: {allowed}.")


class StrictDecimalWidget(widgets.DecimalWidget):
    def clean(self, value, row=None, **kwargs):
        try:
            result = super().clean(value, row=row, **kwargs)
        except (InvalidOperation, TypeError) as exc:
            raise ValueError(f"'{value}' is not a number (use a dot, e.g. 19.90).") from exc
        if result is not None and not result.is_finite():
            raise ValueError(f"'{value}' is not a number (use a dot, e.g. 19.90).")
        return result


class StrictIntegerWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        try:
            number = StrictDecimalWidget().clean(value)
        except ValueError as exc:
            raise ValueError(f"'{value}' is not a whole number.") from exc
        if number is None:
            return None
        if number != number.to_integral_value():
            raise ValueError(f"'{value}' is not a whole number.")
        return super().clean(value, row=row, **kwargs)


class StrictBooleanWidget(widgets.BooleanWidget):
    TRUE_WORDS = {"1", "true", "yes", "y"}
    FALSE_WORDS = {"0", "false", "no", "n"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = force_str(value if value is not None else "").strip().lower()
        if not text or text in ("none", "null"):
            return None
        if text in self.TRUE_WORDS:
            return True
        if text in self.FALSE_WORDS:
            return False
        raise ValueError(f"'{value}' is not a yes/no value (use 1 or 0).")


class SlugForeignKeyWidget(widgets.ForeignKeyWidget):
    """A related object by its slug; an unknown slug is a validation error naming it.

    Each slug is looked up once per import: thousands of rows name the same few products,
    phone models and colours (each resource instance has its own copy of this widget).
    """

    def __init__(self, model, field="pk", **kwargs):
        super().__init__(model, field=field, **kwargs)
        self._found: dict[str, object] = {}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.strip()
            if value in self._found:
                return self._found[value]
        try:
            found = super().clean(value, row=row, **kwargs)
        except self.model.DoesNotExist as exc:
            name = self.model._meta.verbose_name
            raise ValueError(f"No {name} with {self.field} '{value}'.") from exc
        if isinstance(value, str) and found is not None:
            self._found[value] = found
        return found


class SlugManyToManyWidget(widgets.ManyToManyWidget):
    """Comma-separated slugs; any slug that matches nothing is a validation error."""

    def __init__(self, model, **kwargs):
        kwargs.setdefault("field", "slug")
        kwargs.setdefault("separator", ",")
        super().__init__(model, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str) and not value.strip():
            return self.model.objects.none()
        found = super().clean(value, row=row, **kwargs)
        if isinstance(value, str):
            wanted = {part.strip() for part in value.split(self.separator) if part.strip()}
            known = {str(v) for v in found.values_list(self.field, flat=True)}
            missing = sorted(wanted - known)
            if missing:
                name = self.model._meta.verbose_name_plural
                raise ValueError(f"Unknown {name}: {', '.join(missing)}.")
        return found

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        # Sorted so that an export is stable and a re-import compares equal.
        return self.separator.join(sorted(str(getattr(o, self.field)) for o in value.all()))


# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_formula(value):
    """Undo `escape_formula`, so that exporting and re-importing changes nothing."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class StrictModelResource(resources.ModelResource):
    """Validates many-to-many columns before a row is saved, like every other column, and
    keeps exported cells from running as spreadsheet formulas.

    import-export only reads many-to-many columns after saving the row, where a bad value
    is an opaque error rather than a validation error; reading them up front as well puts
    the message beside the other field errors of the row.
    """

    def export_field(self, field, instance, **kwargs):
        return escape_formula(super().export_field(field, instance, **kwargs))

    def import_data_inner(self, *args, **kwargs):
        # Runs inside import_data's transaction: the rows' saves bump the storefront's
        # catalog revision once, with the import, not once per row.
        with catalog_revision_bump_once():
            return super().import_data_inner(*args, **kwargs)

    def before_import_row(self, row, **kwargs):
        for key, value in row.items():
            row[key] = unescape_formula(value)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self.get_import_fields():
            if not isinstance(field.widget, widgets.ManyToManyWidget):
                continue
            if field.column_name not in row:
                continue
            try:
                field.clean(row, **kwargs)
            except ValueError as exc:
                errors[field.attribute] = ValidationError(force_str(exc), code="invalid")
        if errors:
            raise ValidationError(errors)


def _decimal(attribute: str, column: str | None = None) -> fields.Field:
    return fields.Field(
        attribute=attribute, column_name=column or attribute, widget=StrictDecimalWidget()
    )


class ProductResource(StrictModelResource):
    """Case products, one row each, matched by slug."""

    slug = fields.Field(attribute="slug", column_name="slug", widget=widgets.CharWidget())
    material = fields.Field(
        attribute="material", column_name="material", widget=ChoiceWidget(Material)
    )
    style = fields.Field(attribute="style", column_name="style", widget=ChoiceWidget(Style))
    finish = fields.Field(attribute="finish", column_name="finish", widget=ChoiceWidget(Finish))
    product_weight_g = _decimal("product_weight_g")
    package_weight_g = _decimal("package_weight_g")
    package_length_mm = _decimal("package_length_mm")
    package_width_mm = _decimal("package_width_mm")
    package_height_mm = _decimal("package_height_mm")
    features = fields.Field(
        attribute="features", column_name="features", widget=SlugManyToManyWidget(Feature)
    )
    recommended = fields.Field(
        attribute="recommended",
        column_name="recommended",
        widget=SlugManyToManyWidget(CaseProduct),
    )
    is_active = fields.Field(
        attribute="is_active",
        column_name="is_active",
        widget=StrictBooleanWidget(),
        saves_null_values=False,
    )

    class Meta:
        model = CaseProduct
        name = "Products (one row per product, matched by slug)"
        import_id_fields = ("slug",)
        fields = (
            "slug",
            "name",
            "description",
            "material",
            "style",
            "finish",
            "features",
            "product_weight_g",
            "package_weight_g",
            "package_length_mm",
            "package_width_mm",
            "package_height_mm",
            "package_contents",
            "recommended",
            "is_active",
        )
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def filter_export(self, queryset, **kwargs):
        return queryset.prefetch_related("features", "recommended")


class VariantResource(StrictModelResource):
    """Variants (one product for one phone model in one colour), matched by SKU."""

    # Exports from before the shop had one currency carry this column; `import_instance`
    # accepts it when it names the shop currency and refuses the row otherwise.
    extra_import_columns = ("currency",)

    sku = fields.Field(attribute="sku", column_name="sku", widget=widgets.CharWidget())
    product = fields.Field(
        attribute="product",
        column_name="product",
        widget=SlugForeignKeyWidget(CaseProduct, field="slug"),
    )
    phone_model = fields.Field(
        attribute="phone_model",
        column_name="phone_model",
        widget=SlugForeignKeyWidget(PhoneModel, field="slug"),
    )
    colour = fields.Field(
        attribute="colour",
        column_name="colour",
        widget=SlugForeignKeyWidget(Colour, field="slug"),
    )
    price = _decimal("price")
    stock_on_hand = fields.Field(
        attribute="stock_on_hand", column_name="stock_on_hand", widget=StrictIntegerWidget()
    )
    is_active = fields.Field(
        attribute="is_active",
        column_name="is_active",
        widget=StrictBooleanWidget(),
        saves_null_values=False,
    )

    class Meta:
        model = Variant
        name = "Variants (one row per SKU: product, phone model and colour by slug)"
        import_id_fields = ("sku",)
        fields = (
            "sku",
            "product",
            "phone_model",
            "colour",
            "price",
            "stock_on_hand",
            "is_active",
        )
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def import_instance(self, instance, row, **kwargs):
        # Prices are in the shop currency. A `currency` column (from an older export or a
        # supplier's sheet) may stay if it agrees; one that disagrees would relabel a price
        # as another currency without converting it, so the row is refused.
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        given = force_str(row.get("currency") or "").strip()
        if given and given.upper() != shop_currency().upper():
            errors.setdefault("price", []).append(
                ValidationError(
                    f"Prices are in {shop_currency()} (the shop currency), but this row "
                    f"says '{given[:10]}'. Convert the price to {shop_currency()} and leave "
                    "the currency column out or empty.",
                    code="currency",
                )
            )
        if errors:
            raise ValidationError(errors)

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("product", "phone_model", "colour")
