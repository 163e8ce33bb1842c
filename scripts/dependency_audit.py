"""Audit the installed dependencies for known vulnerabilities with pip-audit (`make lint`).

pip-audit asks a vulnerability service over the network: PyPI's JSON API first, then OSV. Where
neither answers (no network, or a package mirror without PyPI's per-release JSON, which makes every
package "not found"), nothing was audited: the audit is skipped with a message saying so, and the
exit status is 0, unless REQUIRE_PIP_AUDIT=1 asks for the audit to be required. A vulnerability
that was found always fails (exit 1)."""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404  # runs pip-audit, a fixed command of our own
import sys
from pathlib import Path

SERVICES = ("pypi", "osv")
TIMEOUT_SECONDS = 300
PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


def required() -> bool:
    return os.environ.get("REQUIRE_PIP_AUDIT", "").lower() not in ("", "0", "false", "no")


def audit(service: str) -> tuple[list[dict], list[dict]] | None:
    """(audited dependencies, skipped ones) as pip-audit reports them, or None when the service
    could not be asked at all."""
    command = [
        str(PIP_AUDIT),
        "--skip-editable",
        "--progress-spinner",
        "off",
        "--format",
        "json",
        "--vulnerability-service",
        service,
    ]
    try:
        finished = subprocess.run(  # noqa: S603  # nosec B603  # a fixed command, no shell
            command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"pip-audit ({service}): {error}", file=sys.stderr)
        return None
    try:
        report = json.loads(finished.stdout)
    except json.JSONDecodeError:
        last = (finished.stderr.strip().splitlines() or ["no answer"])[-1]
        print(f"pip-audit ({service}) could not reach the service: {last}", file=sys.stderr)
        return None
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    skipped = [d for d in dependencies if "skip_reason" in d]
    return audited, skipped


def main() -> int:
    if not PIP_AUDIT.exists():
        print(f"pip-audit is not installed ({PIP_AUDIT}): run `make install`.", file=sys.stderr)
        return 1
    for service in SERVICES:
        result = audit(service)
        if result is None:
            continue
        audited, skipped = result
        if not audited:
            print(
                f"pip-audit ({service}): the service knew none of the {len(skipped)} packages "
                "(no network, or a mirror without PyPI's JSON API).",
                file=sys.stderr,
            )
            continue
        vulnerable = [d for d in audited if d.get("vulns")]
        for dependency in vulnerable:
            ids = ", ".join(v["id"] for v in dependency["vulns"])
            fixes = sorted({f for v in dependency["vulns"] for f in v.get("fix_versions", [])})
            print(
                f"VULNERABLE {dependency['name']} {dependency['version']}: {ids}"
                + (f" (fixed in {', '.join(fixes)})" if fixes else "")
            )
        print(
            f"pip-audit ({service}): {len(audited)} packages audited, {len(vulnerable)} "
            f"vulnerable, {len(skipped)} not known to the service."
        )
        return 1 if vulnerable else 0
    message = (
        "pip-audit: SKIPPED: no vulnerability service could be reached from here "
        f"({', '.join(SERVICES)}); the dependencies were NOT audited."
    )
    if required():
        print(f"{message} REQUIRE_PIP_AUDIT=1: failing.", file=sys.stderr)
        return 2
    print(f"{message} Set REQUIRE_PIP_AUDIT=1 to make this an error.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
