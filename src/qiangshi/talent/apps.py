from django.apps import AppConfig


class TalentConfig(AppConfig):
    name = "qiangshi.talent"
    label = "talent"
