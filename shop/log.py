"""Logging helpers referenced from settings.LOGGING."""

import logging


class WithoutTraceback(logging.Filter):
    """Keeps a record to its one-line message: for client errors, whose stack says nothing.

    Django logs every SuspiciousOperation (an unknown Host header, say) with the traceback
    of where it was raised; on a public server that is a dozen lines per scanner request.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True
