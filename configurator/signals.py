from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .artwork_files import release_after_commit
from .models import Artwork
from .owners import VISITOR_SESSION_KEY, owner_claim


@receiver(user_logged_in, dispatch_uid="configurator_claim_visitor")
def claim_visitor_records(sender, request, user, **kwargs):
    """At login the session's artworks and designs move to the account. The visitor id is
    read from the session's data, which survives the session key's change at login."""
    if request is None or not hasattr(request, "session"):
        return
    visitor = request.session.pop(VISITOR_SESSION_KEY, None)
    if visitor:
        owner_claim(visitor=visitor, user_id=user.pk)


@receiver(post_delete, sender=Artwork, dispatch_uid="configurator_release_artwork_file")
def release_artwork_file(sender, instance, **kwargs):
    """However a row goes (the admin, an account's deletion, a purge), its file goes once
    no other row names it: the files are shared by content (`configurator.artwork_files`)."""
    release_after_commit(instance.file.name)
