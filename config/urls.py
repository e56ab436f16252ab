from django.urls import include, path, re_path
from django.views.i18n import set_language

from config.api import api, not_found

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", not_found),
    path("", include("qiangshi.web.urls")),
]
