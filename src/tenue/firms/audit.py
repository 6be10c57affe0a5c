"""The audit log: services call `record` for every change they make."""

from __future__ import annotations

from typing import Any

from tenue.firms.models import AuditEvent, Company, Firm


def record(
    *,
    by: Any,
    action: str,
    company: Company | None = None,
    firm: Firm | None = None,
    obj: Any = None,
    **detail: Any,
) -> AuditEvent:
    user = by if (by is not None and getattr(by, "is_authenticated", False)) else None
    return AuditEvent.objects.create(
        user=user,
        firm=firm or (company.firm if company is not None else None),
        company=company,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "")) if obj is not None else "",
        detail={k: str(v) for k, v in detail.items()},
    )
