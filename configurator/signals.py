from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import services
from .owners import VISITOR_SESSION_KEY


@receiver(user_logged_in, dispatch_uid="configurator_claim_visitor")
def claim_visitor_records(sender, request, user, **kwargs):
    """At login the session's artworks and designs move to the account. The visitor id is
    read from the session's data, which survives the session key's change at login."""
    if request is None or not hasattr(request, "session"):
        return
    visitor = request.session.pop(VISITOR_SESSION_KEY, None)
    if visitor:
        services.owner_claim(visitor=visitor, user_id=user.pk)
