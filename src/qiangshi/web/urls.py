"""Web UI routes. Each area's pages live in their own module under web/views/."""

from django.urls import include, path

app_name = "web"
urlpatterns = [
    path("", include("qiangshi.web.views.core_urls")),
    path("", include("qiangshi.web.views.admin_urls")),
    path("", include("qiangshi.web.views.import_urls")),
    path("", include("qiangshi.web.views.export_urls")),
    path("", include("qiangshi.web.views.balance_urls")),
    path("", include("qiangshi.web.views.staffing_urls")),
    path("", include("qiangshi.web.views.rotation_urls")),
    path("", include("qiangshi.web.views.placement_urls")),
    path("", include("qiangshi.web.views.welfare_urls")),
    path("", include("qiangshi.web.views.pilot_urls")),
    path("", include("qiangshi.web.views.practices_urls")),
    path("", include("qiangshi.web.views.training_urls")),
    path("", include("qiangshi.web.views.development_urls")),
    path("", include("qiangshi.web.views.ethics_urls")),
    path("", include("qiangshi.web.views.awards_urls")),
    path("", include("qiangshi.web.views.leadership_urls")),
    path("", include("qiangshi.web.views.titles_urls")),
    path("", include("qiangshi.web.views.talent_urls")),
]
