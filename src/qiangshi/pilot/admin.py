from django.contrib import admin

from .models import PilotRegion


@admin.register(PilotRegion)
class PilotRegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "sort_order"]
    raw_id_fields = ["region"]
