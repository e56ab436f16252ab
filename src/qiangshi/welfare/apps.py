from django.apps import AppConfig


class WelfareConfig(AppConfig):
    name = "qiangshi.welfare"
    label = "welfare"
