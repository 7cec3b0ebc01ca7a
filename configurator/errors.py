"""The configurator's two refusals, shared by all its business rules (`configurator.services`
names their modules) and the modules they build on (`cases`, `product_case`)."""


class Invalid(ValueError):
    """The visitor's input cannot be used; `str(error)` says why, in one line."""


class NotFound(LookupError):
    """No such record for this visitor."""
