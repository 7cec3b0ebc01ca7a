"""Staff admin for the catalog: phone models, products with their variants and photos, stock.

Products and variants can be imported and exported in bulk (CSV) through
django-import-export. Every upload is first read and checked by `csv_import.csv_check`
(size, encoding, columns, cell sizes), so a hostile file ends in one clear message. A small
file shows a preview and saves nothing until it is confirmed, and a file with any invalid
row cannot be confirmed at all; a larger one runs as a background job (`ImportJob`) whose
progress staff watch on its admin page. Either way an import is all or nothing.

This package only gathers the admin's parts, one role a module; importing it registers them:
`phone_models` (phone models and their geometry check), `products` (products, variants,
colours, features and stock) and `csv_imports` (CSV import and export, import jobs).
"""

from . import csv_imports, phone_models, products

__all__ = ["csv_imports", "phone_models", "products"]
