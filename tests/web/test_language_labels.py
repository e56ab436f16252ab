"""Codes stored by the audit log and the engines, shown in the reader's language."""

from types import SimpleNamespace

import pytest
from django.utils import translation

from qiangshi.staffing.selectors import SchoolStaffing
from qiangshi.web import audit_labels
from qiangshi.web.views.audit import change_rows
from tests.web.language_scan import (
    BOTH_LANGUAGES,
    FILE_NAME,
    HAN,
    INTERNAL_NAME,
    Scanner,
    _catalogue,
    visible_texts,
    wrong_language,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("action", "zh", "en"),
    [
        ("rotation.submitted", "交流轮岗方案：提交审核", "Rotation plan: submitted for review"),
        ("teacher.export", "教师：已导出", "Teacher: exported"),
        ("teacher.title_add", "教师：职称记录 已添加", "Teacher: title record added"),
        ("auth.login_failed", "登录：登录失败", "Sign-in: failed sign-in"),
        ("export", "已导出", "exported"),
        ("something.unknown", "something.unknown", "something.unknown"),
    ],
)
def test_an_action_code_reads_as_words(action, zh, en):
    with translation.override("zh-hans"):
        assert audit_labels.action_label(action) == zh
    with translation.override("en"):
        assert audit_labels.action_label(action) == en


def test_changes_name_fields_choices_and_regions_in_words(tree):
    changes = {"title.rank": ["second", "first"], "region": [None, "350203"], "scale": "city"}
    with translation.override("zh-hans"):
        rows = change_rows(changes, "rotation.rotationplan")
        assert [r["field"] for r in rows] == ["职称", "地区", "规模"]
        assert rows[1]["after"] == "思明区" and rows[2]["after"] == "一个市"
        assert "二级" in rows[0]["before"] and "一级" in rows[0]["after"]
    with translation.override("en"):
        rows = change_rows(changes, "rotation.rotationplan")
        assert rows[2]["after"] == "a city"
    assert audit_labels.object_type_label("teachers.teacher") in ("教师", "teacher")


def test_a_quota_adjustment_is_named_not_coded():
    staffing = SchoolStaffing.__new__(SchoolStaffing)
    object.__setattr__(staffing, "quota", SimpleNamespace(adjustments=("small_school", "boarding")))
    with translation.override("zh-hans"):
        labels = staffing.adjustment_labels
    assert labels[1].startswith("寄宿制学校") and "boarding" not in " ".join(labels)


def test_the_scanner_finds_each_kind_of_leak():
    zh_page = (
        "<html><body><h1>教师名单</h1><p>Export to Excel</p><td>teacher.export</td>"
        "<td>350203</td><input placeholder='too_large'>"
        '<script type="application/json">{"labels": ["Audit log"]}</script></body></html>'
    )
    found = wrong_language(zh_page, "zh-hans", region_codes={"350203"})
    assert any("Export to Excel" in f for f in found)
    assert any("teacher.export" in f for f in found)
    assert any("350203" in f for f in found)
    assert any("too_large" in f for f in found)
    assert any("Audit log" in f for f in found)
    en_page = "<html><body><h1>Teachers</h1><p>导出 Excel</p><p>思明第一小学</p></body></html>"
    found = wrong_language(en_page, "en", data_names=["思明第一小学"])
    assert len(found) == 1 and "导出" in found[0]
    assert wrong_language("<p>思明第一小学 · 强师</p>", "en", data_names=["思明第一小学"]) == []


def _plain_rule(html, language, names, codes):
    """The scan's rule applied the plain way: every name, in order, taken out of every text,
    then every message of the catalogue tried on what is left."""
    english, chinese = _catalogue()
    found = []
    for text in visible_texts(html):
        bare = text
        for name in (*names, *BOTH_LANGUAGES):
            if name and name in bare:
                bare = bare.replace(name, " ")
        bare = " ".join(bare.split())
        if not bare or (language == "en" and not HAN.search(bare)):
            continue
        other = "English" if language == "zh-hans" else "Chinese"
        for source, whole, anywhere in english if language == "zh-hans" else chinese:
            if whole.match(bare) or (anywhere and anywhere.search(bare)):
                found.append(f"{other} message {source!r} in {text!r}")
                break
        if language == "zh-hans":
            if INTERNAL_NAME.match(bare) and not FILE_NAME.match(bare):
                found.append(f"internal name {text!r}")
            if bare in codes:
                found.append(f"region code {text!r} in place of its name")
    return sorted(set(found))


@pytest.mark.parametrize(
    "names",
    [
        [],
        ["思明第一小学", "思明", "第一"],  # overlapping, longest first
        ["Audit", "X", "to Excel"],  # "to Excel" is in "toXExcel" once "X" is out
        ["o", "t", "Teachers", " "],  # short names eating into messages; a bare space
        ["Export to Excel", "强师", "Export to Excel"],  # a name given twice
    ],
)
def test_the_scanner_finds_what_the_plain_rule_finds(names):
    """The scanner checks each distinct text once and looks only for the names a text holds;
    what it finds is what checking every text with every name finds."""
    page = (
        "<p>Export to Excel</p><p>Audit log Export</p><p>Audit logExport</p><p>350203</p>"
        "<p>思明第一小学 导出 Excel</p><p>Teachers</p><p>导出 Excel</p><p>审计日志</p>"
        "<p>思明 第一 教师名单</p><p>Export to Excel</p><span title='Audit log'>x</span>"
        "<td>teacher.export</td><td>Audit teacher_list</td><p>Export toXExcel</p>"
    )
    for language in ("zh-hans", "en"):
        expected = _plain_rule(page, language, names, {"350203"})
        assert expected, "the page leaks in both languages"
        scan = Scanner(language, data_names=names, region_codes={"350203"})
        assert scan(page) == expected
        assert scan(page) == expected  # the second time from what it remembers
