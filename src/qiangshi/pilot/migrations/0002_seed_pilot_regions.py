"""The ten pilot regions of the seed, linked to the registry's region of the same code where
one exists (a region that runs Qiangshi here); the others have their figures imported."""

from django.db import migrations

SEED = [
    ("31", "上海市", "Shanghai"),
    ("37", "山东省", "Shandong"),
    ("63", "青海省", "Qinghai"),
    ("3502", "厦门市", "Xiamen"),
    ("4307", "常德市", "Changde"),
    ("231183", "嫩江市", "Nenjiang"),
    ("330304", "瓯海区", "Ouhai"),
    ("411481", "永城市", "Yongcheng"),
    ("450331", "荔浦市", "Lipu"),
    ("500235", "云阳县", "Yunyang"),
]


def seed(apps, schema_editor):
    PilotRegion = apps.get_model("pilot", "PilotRegion")
    Region = apps.get_model("org", "Region")
    for order, (code, name, name_en) in enumerate(SEED, start=1):
        region = Region.objects.filter(code=code).first()
        PilotRegion.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "sort_order": order, "region": region},
        )


def unseed(apps, schema_editor):
    apps.get_model("pilot", "PilotRegion").objects.filter(code__in=[c for c, _, _ in SEED]).delete()


class Migration(migrations.Migration):
    dependencies = [("pilot", "0001_initial"), ("org", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
