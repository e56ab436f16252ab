import pytest

from tests import factories


@pytest.fixture
def tree(db):
    return factories.region_tree()


@pytest.fixture
def admin_user(db):
    return factories.admin()


@pytest.fixture
def world(tree, admin_user):
    """Two schools in Siming (A, B), one in Huli, one in Longyan; a teacher in each; one login
    per role."""
    a = factories.school(tree["siming"], "思明第一小学")
    b = factories.school(tree["siming"], "思明第二小学")
    c = factories.school(tree["huli"], "湖里第一中学", stage="junior")
    d = factories.school(tree["xinluo"], "新罗第一小学")
    teachers = {
        "a": factories.teacher(admin_user, a, "陈静"),
        "b": factories.teacher(admin_user, b, "王芳"),
        "c": factories.teacher(admin_user, c, "李强", gender="male"),
        "d": factories.teacher(admin_user, d, "张伟", gender="male"),
    }
    users = {
        "admin": admin_user,
        "bureau": factories.user("bureau", region=tree["xiamen"]),
        "district": factories.user("district", region=tree["siming"]),
        "school": factories.user("school", school=a),
        "teacher": factories.user("teacher"),
        "reviewer": factories.user("reviewer"),
        "pilot": factories.user("pilot"),
        "auditor": factories.user("auditor"),
        "ethics": factories.user("ethics", region=tree["siming"]),
    }
    teachers["a"].user = users["teacher"]
    teachers["a"].save(update_fields=["user"])
    return {
        "schools": {"a": a, "b": b, "c": c, "d": d},
        "teachers": teachers,
        "users": users,
        "tree": tree,
    }
