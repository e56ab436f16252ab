from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "qiangshi.web"
    label = "web"
