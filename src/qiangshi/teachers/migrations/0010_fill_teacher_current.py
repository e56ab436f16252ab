"""Fill the projection of every teacher's current title and education from the history."""

from django.db import migrations


def fill(apps, schema_editor):
    # The projection's own code, which reads the history tables as they are at this point.
    from qiangshi.teachers.projection import refresh_all

    refresh_all()


class Migration(migrations.Migration):
    dependencies = [("teachers", "0009_teacher_current")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
