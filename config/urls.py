from django.urls import include, path

urlpatterns = [
    path("", include("qiangshi.web.urls")),
]
