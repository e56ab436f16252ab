"""Teachers are edited through the Qiangshi pages (services, audit); the admin only reads."""

from django.contrib import admin

from .models import Teacher


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin):
    list_display = ["name", "gender", "birth_date", "personnel_status"]
    search_fields = ["name"]
    exclude = ["national_id_encrypted", "phone_encrypted"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
