from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qiangshi.core"
    label = "core"
