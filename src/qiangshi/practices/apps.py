from django.apps import AppConfig


class PracticesConfig(AppConfig):
    name = "qiangshi.practices"
    label = "practices"
