from django.apps import AppConfig


class PilotConfig(AppConfig):
    name = "qiangshi.pilot"
    label = "pilot"
