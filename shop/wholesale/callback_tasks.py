"""Celery tasks that deliver callbacks (implemented by the callbacks work)."""
