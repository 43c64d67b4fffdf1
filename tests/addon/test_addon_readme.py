"""The addon's README.rst and app page are generated from readme/ and must not go stale.

OCA addons keep their documentation in ``readme/`` fragments; the README.rst
shown on the repository and the app page Odoo shows (static/description/
index.html) are generated from them by scripts/gen-addon-readme. A fragment
edited without running the script would leave users reading old text.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADDON = ROOT / "odoo_addon_complaints"
SCRIPT = ROOT / "scripts" / "gen-addon-readme"

pytest.importorskip("docutils", reason="docutils is a test dependency ('.[test]')")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_generated_readme_and_app_page_match_the_fragments():
    result = _run("--check")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "name", ["DESCRIPTION.md", "CONFIGURE.md", "USAGE.md", "ROADMAP.md", "CONTRIBUTORS.md"]
)
def test_every_oca_fragment_has_content(name):
    text = (ADDON / "readme" / name).read_text(encoding="utf-8")
    assert len(text.split()) >= 3, f"readme/{name} is empty"


def test_the_generated_files_carry_each_section_and_the_manifest_keys():
    manifest = ast.literal_eval((ADDON / "__manifest__.py").read_text(encoding="utf-8"))
    assert manifest["development_status"] in {"Alpha", "Beta", "Production/Stable", "Mature"}
    assert manifest["maintainers"], "the manifest names its maintainers"
    rst = (ADDON / "README.rst").read_text(encoding="utf-8")
    html = (ADDON / "static" / "description" / "index.html").read_text(encoding="utf-8")
    for title in (
        "Configuration",
        "Usage",
        "Known issues / Roadmap",
        "Bug Tracker",
        "Contributors",
        "Maintainers",
    ):
        assert f"\n{title}\n" in rst, title
        assert title in html, title
    assert f"Development status: {manifest['development_status']}" in rst


def test_a_stale_fragment_is_detected(tmp_path, monkeypatch):
    """--check fails, naming the file, when a fragment changed and the script was not run."""
    import importlib.machinery
    import importlib.util
    import shutil

    copy = tmp_path / "odoo_addon_complaints"
    shutil.copytree(ADDON / "readme", copy / "readme")
    shutil.copy(ADDON / "__manifest__.py", copy / "__manifest__.py")
    (copy / "static" / "description").mkdir(parents=True)
    shutil.copy(ADDON / "README.rst", copy / "README.rst")
    shutil.copy(
        ADDON / "static" / "description" / "index.html", copy / "static" / "description" / "index.html"
    )
    loader = importlib.machinery.SourceFileLoader("gen_addon_readme", str(SCRIPT))
    spec = importlib.util.spec_from_loader("gen_addon_readme", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "ADDON", copy)
    assert module.main(["--check"]) == 0
    with (copy / "readme" / "USAGE.md").open("a", encoding="utf-8") as handle:
        handle.write("\nOne more step.\n")
    assert module.main(["--check"]) == 1
    assert module.main([]) == 0
    assert "One more step." in (copy / "README.rst").read_text(encoding="utf-8")
    assert module.main(["--check"]) == 0
