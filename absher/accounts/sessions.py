"""Web sessions of the portal and back office.

A session is valid only while the account's session hash matches (see
`User._get_session_auth_hash`): the hash covers the password and the session epoch, so a password
change, "sign out everywhere" or a deactivation ends every session, whichever page started it."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest

from absher.accounts.models import User


def session_start(request: HttpRequest, user: User) -> None:
    """Signs the user in to the web session, after password and code."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
