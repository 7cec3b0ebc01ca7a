"""How allauth names a shopper in its messages (ACCOUNT_USER_DISPLAY)."""


def display(user) -> str:
    """The email address shoppers sign in with, not the username allauth generated."""
    return user.email or user.get_username()
