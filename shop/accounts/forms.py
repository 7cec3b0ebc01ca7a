"""The sign-up form (ACCOUNT_FORMS["signup"]): allauth's, doing the same work whether or
not the address is registered."""

from __future__ import annotations

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth.hashers import make_password


class SignupForm(AllauthSignupForm):
    def try_save(self, request):
        """With ACCOUNT_PREVENT_ENUMERATION a registered address gets the same answer as a
        new one (allauth mails its owner instead of making an account). A new account's
        password is hashed (most of a sign-up's time); a registered address's is hashed
        too and thrown away, so the time taken does not tell which it was."""
        password = self.cleaned_data.get("password1")
        if self.account_already_exists and password:
            make_password(password)
        return super().try_save(request)
