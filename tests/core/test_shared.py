"""Figures shared between the readers of one area (core.shared) are kept until the next write:
a write to the registry, seen on the connection or announced by a bulk load, starts a new
generation once it commits; the bookkeeping of people who only read pages does not."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connection, transaction

from qiangshi.core import shared as sharing
from qiangshi.core.bulk import bulk_insert_rows
from qiangshi.core.services import audit_record
from qiangshi.org.models import Region
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def on(settings):
    settings.QIANGSHI_DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.calls


def _region(code):
    return Region(code=code, name=code, level="district", path=f"{code}/")


def test_a_value_is_computed_once_until_a_write_commits(on, django_capture_on_commit_callbacks):
    compute = Counter()
    assert sharing.shared("x", 1, compute) == 1
    assert sharing.shared("x", 1, compute) == 1
    assert sharing.shared("x", 2, compute) == 2  # other parts, another value
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _region("990001").save()
        _region("990002").save()
        Region.objects.filter(code="990001").update(name="改")
    assert len(callbacks) == 1  # once per transaction, however many writes
    assert sharing.shared("x", 1, compute) == 3
    assert sharing.shared("x", 1, compute) == 3


def test_bookkeeping_writes_keep_the_values(on, django_capture_on_commit_callbacks, admin_user):
    compute = Counter()
    sharing.shared("x", 1, compute)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        session = SessionStore()
        session["k"] = "v"
        session.save()
        audit_record(actor=admin_user, action="teacher.view_sensitive", target=admin_user)
        admin_user.save(update_fields=["last_login"])
    assert callbacks == []
    assert sharing.shared("x", 1, compute) == 1


def test_a_write_rolled_back_keeps_the_values(on, django_capture_on_commit_callbacks):
    compute = Counter()
    sharing.shared("x", 1, compute)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _region("990003").save()
        raise RuntimeError
    assert callbacks == []
    assert sharing.shared("x", 1, compute) == 1


def test_a_bulk_load_is_a_write(on, django_capture_on_commit_callbacks):
    compute = Counter()
    sharing.shared("x", 1, compute)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rows = [{"code": "990004", "name": "新", "level": "district", "path": "990004/"}]
        bulk_insert_rows(Region, rows)
    assert len(callbacks) == 1
    assert sharing.shared("x", 1, compute) == 2


def test_every_connection_watches_its_writes():
    connection.ensure_connection()
    assert sharing.watch_writes in connection.execute_wrappers


def test_off_means_computed_every_time(settings):
    settings.QIANGSHI_DASHBOARD_CACHE_SECONDS = 0
    compute = Counter()
    assert [sharing.shared("x", 1, compute) for _ in range(2)] == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_an_offices_area_takes_in_a_new_district_at_once(on):
    """Committed for real: the office's regions are kept per process until the next write."""
    from qiangshi.teachers.selectors import teacher_list

    tree = factories.region_tree()
    admin = factories.admin()
    bureau = factories.user("bureau", region=tree["xiamen"])
    assert teacher_list(actor=bureau).count() == 0
    district = factories.region("350299", "新区", "district", tree["xiamen"])
    factories.teacher(admin, factories.school(district), "新人")
    assert [t.name for t in teacher_list(actor=bureau)] == ["新人"]


def test_readers_asking_while_a_value_is_computed_wait_for_it(on):
    import threading

    started, release = threading.Event(), threading.Event()
    calls, results = [], []

    def slow():
        calls.append("first")
        started.set()
        release.wait(5)
        return 42

    def again():
        calls.append("second")
        return 43

    first = threading.Thread(target=lambda: results.append(sharing.shared("slow", (), slow)))
    first.start()
    assert started.wait(5)
    second = threading.Thread(target=lambda: results.append(sharing.shared("slow", (), again)))
    second.start()
    second.join(0.3)
    assert second.is_alive()  # waiting for the first reader's value
    release.set()
    first.join(5)
    second.join(5)
    assert results == [42, 42]
    assert calls == ["first"]


def test_a_reader_whose_computation_fails_leaves_the_value_to_the_next(on):
    with pytest.raises(ZeroDivisionError):
        sharing.shared("failing", (), lambda: 1 / 0)
    computing = sharing._computing_key("failing", (), sharing.generation())
    assert cache.get(computing) is None  # nobody is left waiting for it
    assert sharing.shared("failing", (), lambda: 7) == 7


def test_a_value_of_none_is_kept_too(on):
    counter = Counter()

    def nothing_yet():
        counter()
        return None

    assert sharing.shared("nothing", (), nothing_yet) is None
    assert sharing.shared("nothing", (), nothing_yet) is None
    assert counter.calls == 1
