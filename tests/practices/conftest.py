import pytest

from qiangshi.practices import search, services
from tests.api.conftest import api_as  # noqa: F401  (a fixture)


@pytest.fixture(autouse=True)
def _fresh_index():
    """Each test's database starts over (rolled back): so does the process's index."""
    search.invalidate()


def add(actor, title, region_code, pillar, summary, full_text, tags=()):
    return services.practice_create(
        actor=actor,
        title=title,
        region_code=region_code,
        pillar=pillar,
        summary=summary,
        full_text=full_text,
        tags=list(tags),
    )


@pytest.fixture
def library(world):
    """A small library written by the pilot office; the comments say what each case holds."""
    pilot = world["users"]["pilot"]
    return {
        # "交流轮岗" in the summary only.
        "island": add(pilot, "厦门市：推动名师出岛", "3502", "allocation",
                      "骨干教师到岛外学校交流轮岗三年。", "组织名师到岛外薄弱学校任教。",
                      ["名师出岛"]),
        # "交流轮岗" in the title (counted twice) and in the text.
        "rotation": add(pilot, "上海市：教师交流轮岗管理办法", "31", "allocation",
                        "规范教师流动。", "区县统筹实施交流轮岗，三年一轮。", ["县管校聘"]),
        # The burden: "减轻", "负担".
        "burden": add(pilot, "青海省：减轻教师非教育教学任务负担", "63", "welfare",
                      "清理进校园事项。", "制定进校园活动白名单，减轻教师负担。", ["减负"]),
        "whitelist": add(pilot, "厦门市：进校园活动白名单", "3502", "welfare",
                         "白名单以外的活动不进校园，减轻负担。", "每校每学期设上限。", ["减负"]),
        "perks": add(pilot, "厦门市：惠师政策清单", "3502", "welfare",
                     "为教师提供体检和文旅优待。", "教师节期间场馆免费开放。", ["惠师政策"]),
    }  # fmt: skip
