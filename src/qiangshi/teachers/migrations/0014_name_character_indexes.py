"""GIN indexes on the characters of each teacher's name and former name (PostgreSQL only), for
`teachers.selectors._name_contains`: a one- or two-character Chinese name search is looked up
by its characters instead of reading every teacher."""

from django.db import migrations

INDEXES = {
    "teachers_teacher_name_chars": "name",
    "teachers_teacher_former_name_chars": "former_name",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON teachers_teacher"
            f" USING gin (regexp_split_to_array(lower({column}), ''))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [("teachers", "0013_teacher_current_school")]

    operations = [migrations.RunPython(create, drop)]
