from django.apps import AppConfig


class TeachersConfig(AppConfig):
    name = "qiangshi.teachers"
    label = "teachers"

    def ready(self) -> None:
        from qiangshi.org.signals import school_moved

        school_moved.connect(_school_moved, dispatch_uid="teachers.projection.school_moved")


def _school_moved(sender, school, **kwargs) -> None:
    """A school in another district: its teachers' (current and former) area follows."""
    from . import projection
    from .models import Employment

    projection.refresh(
        Employment.objects.filter(school=school).values_list("teacher_id", flat=True).distinct()
    )
