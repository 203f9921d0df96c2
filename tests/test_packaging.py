"""The installs: a wheel built from the repo holds every file the code needs, and runs from them.

"Every file" is derived from the tree: each file under `bot/`, `automation/`, `sandbox/` and `templates/`
(what the code imports, the migrations, the sandbox's page scripts and every text) must be in the
wheel, `templates/` as the package `invitesweep_templates`. The wheel is built offline from a copy
of the working tree (no stale `build/` folder can hide a missing file), then installed into a
folder of its own and exercised there; the editable install is checked the same way.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.db.migrate import alembic_config

SOURCES = {
    "bot": "bot",
    "automation": "automation",
    "sandbox": "sandbox",
    "templates": "invitesweep_templates",
}
NOT_SHIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
DOCS = {".md"}  # READMEs beside the code are for readers of the repo, not for the program
STATIC_REFERENCE = re.compile(r"/sandbox-static/([\w.-]+)")


def tree_files(root: Path) -> set[str]:
    """Every file under the source folders, named as the wheel stores it."""
    files = set()
    for folder, package in SOURCES.items():
        for path in (root / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".pyc", *DOCS}:
                files.add(f"{package}/{path.relative_to(root / folder).as_posix()}")
    return files


@pytest.fixture(scope="module")
def repo(request: pytest.FixtureRequest) -> Path:
    return Path(request.config.rootpath)


@pytest.fixture(scope="module")
def wheel(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built offline from a clean copy of the working tree."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(repo / name, source / name)
    for folder in SOURCES:
        shutil.copytree(repo / folder, source / folder, ignore=NOT_SHIPPED)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
        + ["-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("invitesweep-*.whl")
    return built


def test_the_wheel_holds_every_module_template_and_static_file(repo: Path, wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
        (entry_points,) = (n for n in shipped if n.endswith(".dist-info/entry_points.txt"))
        scripts = archive.read(entry_points).decode()

    wanted = tree_files(repo)
    assert "invitesweep_templates/cli/demo_intro.txt.j2" in wanted  # the tree is read, not empty
    assert "sandbox/static/sent.js" in wanted
    assert "bot/db/migrations/versions/0001_initial_schema.py" in wanted
    assert sorted(wanted - shipped) == []
    assert "invitesweep = bot.cli:main" in scripts

    # Every page script a sandbox page or script loads is one of the shipped static files.
    referenced = set()
    for path in [*(repo / "templates").rglob("*.j2"), *(repo / "sandbox/static").iterdir()]:
        referenced |= set(STATIC_REFERENCE.findall(path.read_text()))
    assert referenced, "the sandbox pages load their scripts from /sandbox-static/"
    assert sorted({f"sandbox/static/{name}" for name in referenced} - shipped) == []


INSTALLED_CHECK = """
import json, sys, tempfile
from pathlib import Path
import httpx, jinja2
import automation, bot, sandbox
from alembic.script import ScriptDirectory
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from sandbox import SandboxConfig, SandboxServer
from sandbox.rendering import PageRenderer
from bot.db.migrate import alembic_config, upgrade
from bot.rendering import Renderer

texts, pages = Renderer().env, PageRenderer().env
own_texts = [n for n in texts.list_templates(extensions=["j2"]) if not n.startswith("sandbox/")]
for name in own_texts:
    texts.get_template(name)  # compiles, or raises
for name in pages.list_templates(extensions=["j2"]):
    pages.get_template(name)
with SandboxServer(SandboxConfig(pending=3)) as served:
    script = httpx.get(served.base_url + "/sandbox-static/sent.js")
with tempfile.TemporaryDirectory() as folder:
    upgrade(f"sqlite+aiosqlite:///{folder}/store.sqlite3")
print(json.dumps({
    "modules": [bot.__file__, automation.__file__, sandbox.__file__],
    "template": texts.get_template("cli/demo_intro.txt.j2").filename,
    "page": pages.get_template("sent/e4.html.j2").filename,
    "texts": len(own_texts),
    "pages": len(pages.list_templates(extensions=["j2"])),
    "script": [script.status_code, len(script.content)],
    "head": ScriptDirectory.from_config(alembic_config()).get_current_head(),
}))
"""


def run_check(cwd: Path, env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", INSTALLED_CHECK],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_the_installed_wheel_runs_from_its_own_files(repo: Path, wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(target)]
        + [str(wheel)],
        check=True,
        capture_output=True,
    )
    # The installed copy comes first on the path, ahead of this venv's editable install.
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = run_check(tmp_path, env)

    assert all(str(module).startswith(str(target)) for module in result["modules"])  # type: ignore[attr-defined]
    assert str(result["template"]).startswith(str(target / "invitesweep_templates"))
    assert str(result["page"]).startswith(str(target / "invitesweep_templates" / "sandbox"))
    assert result["texts"] + result["pages"] == len(list((repo / "templates").rglob("*.j2")))  # type: ignore[operator]
    assert result["pages"] == len(list((repo / "templates" / "sandbox").rglob("*.j2")))
    assert result["script"] == [200, (repo / "sandbox/static/sent.js").stat().st_size]
    assert result["head"] == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_the_editable_install_reads_the_working_tree(repo: Path, tmp_path: Path) -> None:
    """This venv's editable install resolves every package to the working tree, from any folder."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = run_check(tmp_path, env)

    assert result["modules"] == [str(repo / p / "__init__.py") for p in ("bot", "automation", "sandbox")]
    assert result["template"] == str(repo / "templates" / "cli" / "demo_intro.txt.j2")
    assert result["page"] == str(repo / "templates" / "sandbox" / "sent" / "e4.html.j2")
    assert result["texts"] + result["pages"] == len(list((repo / "templates").rglob("*.j2")))  # type: ignore[operator]
    assert result["script"] == [200, (repo / "sandbox/static/sent.js").stat().st_size]

    # The console script runs from there too: it migrates a new store and says so with its template.
    script = Path(sys.executable).with_name("invitesweep")
    env["DATA_DIR"] = str(tmp_path / "data")
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [str(script), "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert f"is up to date (revision {result['head']})" in done.stdout


# Modules the code needs that no `import` statement names: libraries load them by name.
LOADED_BY_NAME = {
    "aiosqlite": "SQLAlchemy's sqlite+aiosqlite driver, the default store",
    "asyncpg": "SQLAlchemy's postgresql+asyncpg driver",
    "multipart": "Starlette's request.form(), the sandbox's sign-in and invite forms",
    "tzdata": "zoneinfo's time zones where the system has no zoneinfo database",
}


def imported_modules(root: Path) -> set[str]:
    """Top-level names of every module that `bot/`, `automation/` and `sandbox/` import."""
    names = set()
    for folder in ("bot", "automation", "sandbox"):
        for path in (root / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names


def required_distributions(name: str, extras: frozenset[str] = frozenset()) -> set[str]:
    """`name` and everything it requires with `extras`, transitively, as normalized names."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(name, extras)]
    while todo:
        dist, wanted = todo.pop()
        key = canonicalize_name(dist)
        if (key, wanted) in seen:
            continue
        seen.add((key, wanted))
        for line in metadata.requires(dist) or []:
            requirement = Requirement(line)
            environments = [{"extra": extra} for extra in wanted] or [{"extra": ""}]
            if requirement.marker is None or any(requirement.marker.evaluate(e) for e in environments):
                todo.append((requirement.name, frozenset(requirement.extras)))
    return {key for key, _ in seen}


def test_every_runtime_import_is_a_main_dependency(repo: Path) -> None:
    third_party = imported_modules(repo) - set(sys.stdlib_module_names) - {"bot", "automation", "sandbox"}
    third_party |= set(LOADED_BY_NAME)
    assert {"telegram", "playwright", "sqlalchemy", "jinja2"} <= third_party  # the scan sees imports
    installed_by = metadata.packages_distributions()
    main = required_distributions("invitesweep")  # no extras: what `pip install .` brings
    missing = {
        module: installed_by.get(module)
        for module in third_party
        if not {canonicalize_name(d) for d in installed_by.get(module, [])} & main
    }
    assert missing == {}


def test_time_zones_work_without_the_systems_zoneinfo_database(tmp_path: Path) -> None:
    """Slim images and Windows have no /usr/share/zoneinfo: zoneinfo then reads the `tzdata` package.

    That package must be ours to require: here it only comes through matplotlib's python-dateutil,
    which is free to drop it.
    """
    assert "tzdata" in {
        canonicalize_name(Requirement(line).name) for line in metadata.requires("invitesweep") or []
    }
    check = (
        "import zoneinfo; from datetime import UTC, datetime; from bot.services.policy import local_date\n"
        "assert zoneinfo.TZPATH == (), zoneinfo.TZPATH\n"
        "print(local_date(datetime(2026, 11, 24, 23, 30, tzinfo=UTC), 'Europe/Amsterdam'))\n"
    )
    # An empty PYTHONTZPATH is a machine without the system database.
    env = {**os.environ, "PYTHONTZPATH": ""}
    done = subprocess.run(
        [sys.executable, "-c", check], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2026-11-25"  # 00:30 in Amsterdam
