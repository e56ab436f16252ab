from django.contrib import admin

from .models import Region, School, SchoolEnrollment, SchoolFacility


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "is_pilot"]
    list_filter = ["level", "is_pilot"]
    search_fields = ["code", "name"]
    readonly_fields = ["path"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "district", "stage", "location", "ownership"]
    list_filter = ["stage", "location", "ownership", "district"]
    search_fields = ["code", "name"]
    list_select_related = ["district"]


admin.site.register(SchoolEnrollment)
admin.site.register(SchoolFacility)
