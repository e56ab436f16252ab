from django.apps import AppConfig


class EthicsConfig(AppConfig):
    name = "qiangshi.ethics"
    label = "ethics"

    def ready(self):
        from .workflow import register

        register()
