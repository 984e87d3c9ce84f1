"""A case's documents as its page lists them: each with its status and what the reader may do."""

from cases.ladder import NOTICE_STAGES
from cases.models import DocumentKind

from . import issuing, serving


def documents_of(case, user) -> list[dict]:
    """The case page's list: each document with its status and what this user may do to it."""
    rows = []
    documents = case.documents.select_related("service", "replaced_by").order_by("issued_at", "id")
    for document in documents:
        voided, served = document.is_voided, document.is_served
        rows.append(
            {
                "document": document,
                "voided_by": document.replaced_by if voided else None,
                "service": document.service if served else None,
                "may_serve": document.needs_service
                and not voided
                and not served
                and case.is_open
                and serving.may_record_service(user, document),
                "may_correct": not voided
                and case.is_open
                and issuing.may_issue(user, case, document.kind),
            }
        )
    return rows


def may_issue_notice(case, user) -> bool:
    return (
        case.is_open
        and case.stage in NOTICE_STAGES
        and issuing.may_issue(user, case, DocumentKind.RETURN_NOTICE)
    )
