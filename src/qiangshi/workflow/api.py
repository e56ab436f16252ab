"""HTTP API for the review workflow: the caller's inbox."""

from typing import Any

from ninja import Router

from qiangshi.access.api import ERRORS

from .selectors import inbox

router = Router(tags=["workflow"])


@router.get("/inbox", response={200: dict[str, Any], **ERRORS}, summary="What waits for you")
def inbox_list(request):
    entries = inbox(request.auth)
    return {
        "items": [
            {
                "process": e.process,
                "id": e.object_id,
                "title": e.title,
                "state": e.state,
                "state_label": e.state_label,
                "since": e.state_since,
                "due_on": e.due_on,
                "overdue": e.overdue,
                "url": e.url,
            }
            for e in entries
        ],
        "count": len(entries),
        "page": 1,
        "page_size": max(len(entries), 1),
    }
