"""Security headers on every response: pages, JSON, files, redirects, errors
and static files.

- no framing by any site: ``X-Frame-Options: DENY`` and the CSP directive
  ``frame-ancestors 'none'`` (added to a policy a view already set, e.g. the
  attachment download's ``default-src 'none'; sandbox``, never replacing it);
- ``X-Content-Type-Options: nosniff``;
- ``Referrer-Policy: same-origin`` unless the view chose its own.

Installed by the security manager, so every app the factory builds has it.
"""

from __future__ import annotations

FRAME_ANCESTORS = "frame-ancestors 'none'"


def with_frame_ancestors_none(policy: str) -> str:
    """``policy`` with its frame-ancestors directive (if any) set to 'none'."""
    directives = [d.strip() for d in policy.split(";") if d.strip()]
    kept = [d for d in directives if d.split(None, 1)[0].lower() != "frame-ancestors"]
    return "; ".join([*kept, FRAME_ANCESTORS])


def set_security_headers(response):
    headers = response.headers
    policies = headers.getlist("Content-Security-Policy")
    if policies:
        headers.setlist("Content-Security-Policy",
                        [with_frame_ancestors_none(p) for p in policies])
    else:
        headers["Content-Security-Policy"] = FRAME_ANCESTORS
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


def install(app) -> None:
    app.after_request(set_security_headers)
