from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "qiangshi.imports"
    label = "imports"
