from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "qiangshi.workflow"
    label = "workflow"
