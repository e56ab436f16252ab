"""Filled the projection of every teacher's current title and education from the history.

The filling now happens in 0013, once the projection has all its columns: it runs the
projection's own code, which writes every column the model has today, and those of 0013 do not
exist yet at this point."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("teachers", "0009_teacher_current")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
