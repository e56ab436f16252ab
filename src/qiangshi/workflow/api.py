"""HTTP API for the review workflow: the caller's inbox."""

from typing import Any

from ninja import Query, Router

from qiangshi.access.api import ERRORS, PageIn, page_of, requires

from .selectors import inbox

router = Router(tags=["workflow"])


@router.get("/inbox", response={200: dict[str, Any], **ERRORS}, summary="What waits for you")
@requires()
def inbox_list(request, paging: Query[PageIn]):
    answer = page_of(inbox(request.auth), paging)
    answer["items"] = [
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
        for e in answer["items"]
    ]
    return answer
