"""The parts of caseforge's settings, one role each, imported by shop/settings.py."""
