"""Navigation for the layout: which menu entries the actor's role may open."""

from qiangshi.access.scoping import can


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "teachers": can(user, "teacher", "view"),
            "schools": can(user, "school", "view"),
            "change_requests": can(user, "changerequest", "view"),
            "audit": can(user, "auditlog", "view"),
            "access_log": can(user, "accesslog", "view"),
        }
    }
