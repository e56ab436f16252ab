from django.apps import AppConfig


class LeadershipConfig(AppConfig):
    name = "qiangshi.leadership"
    label = "leadership"
