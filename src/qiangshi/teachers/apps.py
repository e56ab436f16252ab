from django.apps import AppConfig


class TeachersConfig(AppConfig):
    name = "qiangshi.teachers"
    label = "teachers"
