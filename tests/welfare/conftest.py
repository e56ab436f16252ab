import io

import pytest
from openpyxl import Workbook

from tests import factories

HEADER = ["区县代码", "区县名称", "年度",
          "教师基本工资", "教师津贴补贴", "教师绩效工资", "教师年终奖励",
          "公务员基本工资", "公务员津贴补贴", "公务员绩效工资", "公务员年终奖励"]  # fmt: skip


def wages_xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# Siming passes (teachers 112,000 ≥ 110,000); Huli fails by 6,000, driven by year-end pay.
SIMING = ("350203", "思明区", 2024, 42000, 30000, 25000, 15000, 40000, 30000, 25000, 15000)
HULI = ("350206", "湖里区", 2024, 45000, 26000, 25000, 8000, 40000, 30000, 25000, 15000)


@pytest.fixture
def offices(tree):
    return {
        "siming": factories.user("district", region=tree["siming"]),
        "huli": factories.user("district", region=tree["huli"]),
        "bureau": factories.user("bureau", region=tree["xiamen"]),
    }
