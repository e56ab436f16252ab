from django.contrib import admin

from .models import AccessLog, AuditLog


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs are append-only: nobody edits or deletes them from the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_username", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_username", "object_repr", "object_id"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_username", "field", "object_repr", "channel", "subject_count"]
    search_fields = ["actor_username", "object_id"]
