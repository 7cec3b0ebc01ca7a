from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services import SESSION_KEY, cart_merge_at_login


@receiver(user_logged_in, dispatch_uid="cart_merge_at_login")
def merge_visitor_cart(sender, request, user, **kwargs):
    """At sign-in the visitor's cart joins the account's (the session's data survives the
    session key's change at login)."""
    if request is None or not hasattr(request, "session"):
        return
    cart_merge_at_login(cart_id=request.session.pop(SESSION_KEY, None), user=user)
