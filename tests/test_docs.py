"""The README and docs/ stand on their own in a clone: every link and every path they name is a
file of the repository."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE = re.compile(r"`([^`\n]+)`")
# A path the text names in backticks: from the top of the repository.
TOP = ("src/", "config/", "docs/", "tests/", "benchmarks/", "locale/", "static/")
UP = re.compile(r"(?<![\w.])((?:\.\./)+[\w./-]*)")
ELSEWHERE = re.compile(r"(?<![\w:/.])/(work|home|tmp)/|\bshared/(domain|design)/")


def _inside(path: Path) -> bool:
    try:
        path.resolve().relative_to(ROOT)
    except ValueError:
        return False
    return True


def _links(text: str) -> list[str]:
    return [
        target
        for target in LINK.findall(text)
        if not re.match(r"[a-z][a-z0-9+.-]*:", target) and not target.startswith("#")
    ]


def test_the_pages_exist():
    names = {p.name for p in PAGES}
    assert {"README.md", "policy.md", "modules.md", "deploy.md", "lottery.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_point_to_files_of_the_repository(page):
    text = page.read_text(encoding="utf-8")
    for target in _links(text):
        path = (page.parent / target.split("#", 1)[0]).resolve()
        assert _inside(path), f"{page.name} links outside the repository: {target}"
        assert path.exists(), f"{page.name} links to a missing file: {target}"


def _outside(page: Path, line: str) -> list[str]:
    """Paths a line names that lie outside the repository (relative ones from the page)."""
    found = [m.group(0) for m in ELSEWHERE.finditer(line)]
    found += [up for up in UP.findall(line) if not _inside(page.parent / up)]
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_path_outside_the_repository_is_named(page):
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        found = _outside(page, line)
        assert not found, f"{page.name}:{number} names a path outside the repository: {found}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_paths_named_in_code_spans_exist(page):
    """`src/qiangshi/balance/rules/…json`, `docs/lottery.md`: what the text names is there
    (placeholders such as `<area>` are skipped)."""
    missing = []
    for span in CODE.findall(page.read_text(encoding="utf-8")):
        for word in span.split():
            word = word.rstrip(".,;:)")
            if not word.startswith(TOP) or any(c in word for c in "<>*{}$|"):
                continue
            if not (ROOT / word).exists():
                missing.append(word)
    assert not missing, f"{page.name} names paths that do not exist: {missing}"


def test_a_link_outside_is_caught(tmp_path):
    """The checks above would fail on the README's old links."""
    readme = ROOT / "README.md"
    assert _outside(readme, "teachers (see `../shared/domain/MISSION.md`).")
    assert _outside(readme, "See `shared/design/ARCHITECTURE.md`.")
    assert _outside(ROOT / "docs" / "x.md", "[up](../../elsewhere.md)")
    assert not _outside(ROOT / "docs" / "x.md", "[README](../README.md)")
    assert _links("[a](../x.md) [b](https://example.com) [c](#top)") == ["../x.md"]
