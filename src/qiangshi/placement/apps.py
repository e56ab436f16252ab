from django.apps import AppConfig


class PlacementConfig(AppConfig):
    name = "qiangshi.placement"
    label = "placement"
