"""factory_boy factories for the commerce models."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from shop.catalog.models import (
    CaseProduct,
    Colour,
    Feature,
    Finish,
    Material,
    PhoneModel,
    PriceTier,
    ProductPhoto,
    Style,
    Variant,
)
from shop.wholesale.models import Client, GroupPriceTier, Inquiry, PriceGroup, ProductTerms


class PhoneModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneModel
        django_get_or_create = ("slug",)

    brand = "Apple"
    name = factory.Sequence(lambda n: f"Test Phone {n}")
    slug = factory.Sequence(lambda n: f"test-phone-{n}")
    release_year = 2023
    height_mm = Decimal("146.70")
    width_mm = Decimal("71.50")
    depth_mm = Decimal("7.40")
    corner_radius_mm = Decimal("10.20")
    camera_x_mm = Decimal("5.70")
    camera_y_mm = Decimal("5.70")
    camera_width_mm = Decimal("28.20")
    camera_height_mm = Decimal("28.20")
    camera_corner_radius_mm = Decimal("7.60")
    openings = factory.LazyFunction(list)
    sources = factory.LazyFunction(lambda: {"body": "test data"})


class ColourFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Colour
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Colour {n}")
    slug = factory.Sequence(lambda n: f"colour-{n}")
    hex = "#336699"


class FeatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feature
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Feature {n}")
    slug = factory.Sequence(lambda n: f"feature-{n}")


class CaseProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseProduct
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Case {n}")
    slug = factory.Sequence(lambda n: f"case-{n}")
    description = "A protective case."
    material = Material.TPU
    style = Style.SLIM
    finish = Finish.MATTE
    product_weight_g = Decimal("28.0")
    package_weight_g = Decimal("45.0")
    package_length_mm = Decimal("200")
    package_width_mm = Decimal("200")
    package_height_mm = Decimal("50")
    package_contents = "1 x phone case\n1 x cleaning cloth"


class ProductPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductPhoto

    product = factory.SubFactory(CaseProductFactory)
    image = factory.django.ImageField(width=64, height=64, color="teal")
    alt = "Product photo"


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    product = factory.SubFactory(CaseProductFactory)
    phone_model = factory.SubFactory(PhoneModelFactory)
    colour = factory.SubFactory(ColourFactory)
    price = Decimal("19.90")
    stock_on_hand = 10


class PriceTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceTier

    variant = factory.SubFactory(VariantFactory)
    min_quantity = 50
    unit_price = Decimal("9.50")


class InquiryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inquiry

    product = factory.SubFactory(CaseProductFactory)
    name = "Alice Reseller"
    company = "Alice's Phone Shop"
    email = "alice@example.com"
    quantity = 100


class PriceGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceGroup
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Group {n}")
    discount_percent = Decimal("10.00")


class GroupPriceTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupPriceTier

    group = factory.SubFactory(PriceGroupFactory)
    variant = factory.SubFactory(VariantFactory)
    min_quantity = 100
    unit_price = Decimal("8.00")


class ProductTermsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductTerms

    product = factory.SubFactory(CaseProductFactory)
    min_quantity = 10
    increment = 5


class WholesaleClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    company = factory.Sequence(lambda n: f"Reseller {n} Ltd")
    contact_name = "Robin Buyer"
    email = factory.Sequence(lambda n: f"buyer{n}@reseller.example")
    country = "US"
    price_group = factory.SubFactory(PriceGroupFactory)
    # A client staff know: its accepted quotes hold their stock a week for payment (left
    # empty, it would hold as a retail order does: tests/shop/wholesale/test_hold_policy.py).
    payment_hold_days = 7


class StaffUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = "alice-staff"
    email = "alice@caseforge.local"
    is_staff = True
    is_superuser = True
    password = factory.django.Password("staff-pass-123")


# --- reviews (shop/reviews) ---------------------------------------------------------------


class ReviewFactory(factory.django.DjangoModelFactory):
    """A pending review; `approve` it through shop.reviews.services.review_approve."""

    class Meta:
        model = "reviews.Review"

    product = factory.SubFactory(CaseProductFactory)
    user = factory.SubFactory(
        "tests.factories.ShopperFactory",
    )
    stars = 4
    title = factory.Sequence(lambda n: f"Review {n}")
    text = "Fits well and the colour is true to the photos."


class ShopperFactory(factory.django.DjangoModelFactory):
    """A shopper's account (not staff)."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"shopper{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = factory.LazyAttribute(lambda o: o.username.capitalize())
    password = factory.django.Password("shopper-pass-123")


# --- questions and answers (shop/questions) ------------------------------------------------


class CustomerFactory(ShopperFactory):
    """A shopper's account named Bob (their own usernames: no clash with ShopperFactory's)."""

    username = factory.Sequence(lambda n: f"customer{n}")
    first_name = "Bob"


class QuestionFactory(factory.django.DjangoModelFactory):
    """A pending question asked with an email address."""

    class Meta:
        model = "questions.Question"

    product = factory.SubFactory(CaseProductFactory)
    category = "product_info"
    text = factory.Sequence(lambda n: f"Does case {n} fit with a screen protector?")
    asker_email = factory.Sequence(lambda n: f"asker{n}@example.com")
    asker_name = "Carol"
