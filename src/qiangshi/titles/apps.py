from django.apps import AppConfig


class TitlesConfig(AppConfig):
    name = "qiangshi.titles"
    label = "titles"

    def ready(self):
        from .workflow import register

        register()
