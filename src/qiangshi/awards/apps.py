from django.apps import AppConfig


class AwardsConfig(AppConfig):
    name = "qiangshi.awards"
    label = "awards"

    def ready(self):
        from .workflow import register

        register()
