"""The teacher list's rows are written in Python (web_tags.teacher_rows): the same markup as
the template loop they replaced, kept here as the reference."""

import re

import pytest
from django.template import Context, Template
from django.utils import translation

from qiangshi.teachers.selectors import teacher_list
from qiangshi.web.templatetags.web_tags import teacher_rows

pytestmark = pytest.mark.django_db

REFERENCE = """{% load i18n web_tags %}
        {% for t in page %}
        <tr>
          <td><a href="{% url 'web:teacher_detail' t.pk %}" class="fw-semibold text-decoration-none">{{ t.name }}</a></td>
          <td>{{ t.get_gender_display }}</td>
          <td>{{ t.age }}</td>
          <td class="qs-mono">{{ t.national_id_masked }}</td>
          <td class="qs-wrap">{{ t.current_school_name|default:"—" }}</td>
          <td>{{ t.district_label|default:"—" }}</td>
          <td class="qs-wrap">{{ t.current_subject|choice_label:"subject"|default:"—" }}</td>
          <td class="qs-wrap">{{ t.current_employment_type|choice_label:"employment_type"|default:"—" }}</td>
          <td class="qs-wrap">{{ t.title_rank|choice_label:"title"|default:"—" }}</td>
          <td class="qs-wrap">{{ t.education_level|choice_label:"education"|default:"—" }}</td>
        </tr>
        {% empty %}
        <tr><td colspan="10" class="text-center text-secondary py-4">{% translate "No teachers match." %}</td></tr>
        {% endfor %}
"""


def _tight(text: str) -> str:
    return re.sub(r">\s+<", "><", str(text)).strip()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_rows_are_the_templates(world, language):
    rows = list(teacher_list(actor=world["users"]["admin"], filters={"status": "all"}))
    assert len(rows) >= 3
    rows[0].name = 'O\'Brien <b>&</b> "王"'  # escaped as the template escapes
    rows[1].district_label = "思明区"
    with translation.override(language):
        plain = Template(REFERENCE).render(Context({"page": rows}))
        fast = teacher_rows(rows)
    assert _tight(fast) == _tight(plain)
    assert "<b>" not in fast


def test_no_rows(db):
    with translation.override("en"):
        plain = Template(REFERENCE).render(Context({"page": []}))
        assert _tight(teacher_rows([])) == _tight(plain)
