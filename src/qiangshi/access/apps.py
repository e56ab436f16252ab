from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "qiangshi.access"
    label = "access"
