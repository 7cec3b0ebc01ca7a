"""The configurator's two refusals, shared by its services and the modules they build on
(`cases`, `product_case`) without those importing the services."""


class Invalid(ValueError):
    """The visitor's input cannot be used; `str(error)` says why, in one line."""


class NotFound(LookupError):
    """No such record for this visitor."""
