from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qiangshi.core.models import AuditLog

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_photo_upload_is_scoped_checked_and_audited(world, client):
    a, b = world["teachers"]["a"], world["teachers"]["b"]
    client.force_login(world["users"]["school"])
    url = reverse("web:teacher_photo_upload", args=[a.pk])
    client.post(url, {"photo": SimpleUploadedFile("p.png", PNG)})
    a.refresh_from_db()
    assert a.photo.name
    assert AuditLog.objects.filter(action="teacher.photo_set", object_id=str(a.pk)).exists()
    assert client.get(reverse("web:teacher_photo", args=[a.pk])).status_code == 200
    # Another school's teacher: neither upload nor view.
    other = client.post(
        reverse("web:teacher_photo_upload", args=[b.pk]),
        {"photo": SimpleUploadedFile("p.png", PNG)},
    )
    assert other.status_code == 404
    assert client.get(reverse("web:teacher_photo", args=[b.pk])).status_code == 404


def test_a_non_image_is_refused(world, client):
    a = world["teachers"]["a"]
    client.force_login(world["users"]["school"])
    client.post(
        reverse("web:teacher_photo_upload", args=[a.pk]),
        {"photo": SimpleUploadedFile("p.png", b"<html>not an image</html>")},
    )
    a.refresh_from_db()
    assert not a.photo
