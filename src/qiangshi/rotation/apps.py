from django.apps import AppConfig


class RotationConfig(AppConfig):
    name = "qiangshi.rotation"
    label = "rotation"
