from django.urls import include, path
from django.views.i18n import set_language

from config.api import api

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
    path("", include("qiangshi.web.urls")),
]
