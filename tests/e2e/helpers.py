"""Helpers shared by the browser journeys."""

from __future__ import annotations

from absher.accounts.models import Authority, StaffMember, User
from absher.accounts.tests.support import last_code

STAFF_PASSWORD = "Majlis2030ok"


def latest_code(mobile: str) -> str:
    """The newest verification code sent to `mobile` (the outbox gateway keeps the text)."""
    return last_code(mobile)


def make_staff(username: str, mobile: str, role: str, authority: Authority | None = None) -> None:
    user = User(username=username, mobile=mobile)
    user.set_password(STAFF_PASSWORD)
    user.save()
    StaffMember.objects.create(user=user, role=role, authority=authority)
