"""Storefront views (placeholder; the storefront is built in views.py by its owner)."""

from django.http import HttpResponse


def catalog(request):
    return HttpResponse("catalog")


def product_detail(request, slug):
    return HttpResponse(slug)
