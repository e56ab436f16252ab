from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("qiangshi.web.urls")),
]
