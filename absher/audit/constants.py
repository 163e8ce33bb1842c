"""Vocabulary of the audit log (سجل التدقيق): who can act, how a broken chain is described, and the
fixed values the hash chain starts from."""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ActorType(models.TextChoices):
    PERSON = "person", pgettext_lazy("actor type", "Person")
    STAFF = "staff", pgettext_lazy("actor type", "Staff member")
    SYSTEM = "system", pgettext_lazy("actor type", "System")
    PARTNER = "partner", pgettext_lazy("actor type", "Integration partner")
    # Someone not (yet) identified, such as a failed sign-in with an unknown username.
    ANONYMOUS = "anonymous", pgettext_lazy("actor type", "Anonymous")


class ChainFault(models.TextChoices):
    """Why the verifier stopped trusting the chain at an entry."""

    SEQUENCE_GAP = "sequence_gap", _("An entry is missing before this one")
    PREV_HASH_MISMATCH = "prev_hash_mismatch", _("The link to the previous entry is broken")
    HASH_MISMATCH = "hash_mismatch", _("The entry was changed after it was written")
    TAIL_MISSING = "tail_missing", _("The newest entries are missing")
    HEAD_MISMATCH = "head_mismatch", _("The newest entry does not match the chain head")
    HEAD_MISSING = "head_missing", _("The chain head is missing")


# Who may appear in the access log ("who looked at my data"): people reading their own data are not
# an access to report, and the system acts on rules, not curiosity.
ACCESS_ACTOR_TYPES = frozenset({ActorType.STAFF, ActorType.PARTNER})

# The first entry links to this instead of a previous hash.
GENESIS_HASH = "0" * 64
CHAIN_HEAD_ID = 1
# Bumped if the canonical form of an entry ever changes; part of every hashed payload.
HASH_VERSION = 1

# Dotted, lower-case: "registry.imported", "transfer.accepted", "suspensions.looked_up".
ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$")
ACTION_MAX_LENGTH = 100
IDENTIFIER_MAX_LENGTH = 64

# PostgreSQL session setting that lets a TRUNCATE of the audit table through its trigger. Only test
# suites set it (their flush empties every table); UPDATE and DELETE are never allowed.
TRUNCATE_SETTING = "absher.audit_allow_truncate"
