from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "qiangshi.org"
    label = "org"
