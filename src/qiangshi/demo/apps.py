from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "qiangshi.demo"
    label = "demo"
