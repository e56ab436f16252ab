import pytest

from qiangshi.access.models import Role
from qiangshi.placement import services
from tests import factories
from tests.engines.test_lottery import example_inputs

PARTS = ["监督室-7351", "notary-2026", "家长-0422"]


def with_identities(pupils_csv: bytes, ids: dict[str, str]) -> bytes:
    """The example's pupils.csv with name and national_id columns added."""
    lines = pupils_csv.decode().splitlines()
    out = [lines[0] + ",name,national_id"]
    for line in lines[1:]:
        code = line.split(",")[0]
        out.append(f"{line},学生{code},{ids[code]}")
    return ("\n".join(out) + "\n").encode()


@pytest.fixture
def place(db):
    """Siming's 2026 intake with the docs' worked example imported (schools J01–J04 are junior
    schools of Siming), pupils' names and ID numbers included; one login per role."""
    tree = factories.region_tree()
    schools = {
        code: factories.school(tree["siming"], f"思明{code}中学", stage="junior", code=code)
        for code in ("J01", "J02", "J03", "J04")
    }
    schools["H01"] = factories.school(tree["huli"], "湖里H01中学", stage="junior", code="H01")
    schools["S01"] = factories.school(tree["siming"], "思明S01小学", code="S01")
    users = {
        "admin": factories.admin(),
        "bureau": factories.user(Role.BUREAU, "bureau", region=tree["xiamen"]),
        "district": factories.user(Role.DISTRICT, "district", region=tree["siming"]),
        "huli": factories.user(Role.DISTRICT, "huli", region=tree["huli"]),
        "school": factories.user(Role.SCHOOL, "school", school=schools["J01"]),
        "teacher": factories.user(Role.TEACHER, "teacher"),
        "reviewer": factories.user(Role.REVIEWER, "reviewer"),
        "pilot": factories.user(Role.PILOT, "pilot"),
        "auditor": factories.user(Role.AUDITOR, "auditor"),
    }
    intake = services.intake_create(
        actor=users["district"], region=tree["siming"], year=2026, name="思明区2026年小升初"
    )
    schools_csv, pupils_csv, _ = example_inputs()
    ids = {f"P{i:02d}": factories.national_id() for i in range(1, 13)}
    services.intake_import(
        actor=users["district"],
        intake=intake,
        schools_data=schools_csv,
        pupils_data=with_identities(pupils_csv, ids),
    )
    return {
        "tree": tree,
        "schools": schools,
        "users": users,
        "intake": intake,
        "ids": ids,
        "schools_csv": schools_csv,
        "pupils_csv": pupils_csv,
    }
