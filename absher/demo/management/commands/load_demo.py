"""Fills the embedded platform with demo data (idempotent) and prints who to sign in as."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from absher.accounts import demo as accounts_demo
from absher.identity import demo as identity_demo
from absher.requests import demo as requests_demo
from absher.suspensions import demo as suspensions_demo


class Command(BaseCommand):
    help = "Load the demo registry, staff, partners and accounts; safe to run again."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="Do not print the demo people.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEV_ENDPOINTS:
            raise CommandError("Demo data belongs to the development and test profiles only.")
        report = identity_demo.demo_registry_load()
        people_by_role = {person.role: person.id_number for person in identity_demo.DEMO_PEOPLE}
        accounts_demo.demo_accounts_load(people_by_role=people_by_role)
        suspensions_demo.demo_suspensions_load(people_by_role=people_by_role)
        requests_demo.demo_requests_load(people_by_role=people_by_role)
        self.stdout.write(
            f"Demo registry: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged."
        )
        if not options["quiet"]:
            self.stdout.write(self._banner())

    def _banner(self) -> str:
        accounts = {account.role: account for account in accounts_demo.ACCOUNTS}
        lines = [
            "",
            "Absher: http://127.0.0.1:8000/  (Arabic; English through the language switch)",
            "  API  http://127.0.0.1:8000/api/v1/docs      back office  /backoffice/",
            "  SMS  every code goes to the outbox: /dev/sms-outbox.json?to=+9665XXXXXXXX",
            "",
            f"Portal accounts (password {accounts_demo.PERSON_PASSWORD}; "
            "the sign-in code is in the SMS outbox):",
        ]
        people = {person.role: person for person in identity_demo.DEMO_PEOPLE}
        for role, account in accounts.items():
            person = people[role]
            lines.append(
                f"  {accounts_demo.demo_username(person.name_en):<9} {person.id_number}  "
                f"{account.status:<10}  "
                f"{person.mobile}  {person.name_en}"
            )
        lines += [
            "",
            f"Back office /backoffice/ (password {accounts_demo.STAFF_PASSWORD}):",
            *(
                f"  {member.username:<14} {member.role:<18} {member.mobile}"
                for member in accounts_demo.STAFF
            ),
            "",
            "Integration partners (HMAC secret is '<partner id>-secret'): "
            + ", ".join(code for code, *_ in accounts_demo.PARTNERS),
            "",
            "National registry (register any person without an account with ID + date of birth):",
        ]
        for person in identity_demo.DEMO_PEOPLE:
            has_account = " [account]" if person.role in accounts else ""
            lines.append(
                f"  {person.id_number}  {person.date_of_birth.isoformat()} / {person.hijri} AH  "
                f"{person.role}{has_account}"
            )
        lines.append("")
        return "\n".join(lines)
