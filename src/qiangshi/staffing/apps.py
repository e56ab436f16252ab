from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "qiangshi.staffing"
    label = "staffing"
