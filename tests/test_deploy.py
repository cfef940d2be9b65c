"""Issue 8.13: publishing is routine: `make publish`, and the README's deploy recipes work as written."""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess

import pytest
import yaml

from conftest import REPO, tree
from echosite.cli import main


def _deploy_section() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8").split("### Deploy\n", 1)[1].split("\n## ", 1)[0]


def _recipe(command: str) -> list[str]:
    """The one line of the README's Deploy section that runs `command`, split as a shell would."""
    lines = [line for line in _deploy_section().splitlines() if line.startswith(f"{command} ")]
    assert len(lines) == 1, lines
    return shlex.split(lines[0])


def test_the_rsync_recipe_leaves_no_stale_file_after_a_rename(site_copy, tmp_path):
    if shutil.which("rsync") is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but rsync is not installed (`.ci/run` installs it)", pytrace=False)
        pytest.skip("rsync is not installed")
    rsync = _recipe("rsync")
    assert rsync[-2] == "output/" and "--delete" in rsync
    web = tmp_path / "www" / "teleecho"
    web.mkdir(parents=True)

    def build_and_deploy() -> None:
        assert main(["build", "--site", str(site_copy), "--quiet"]) == 0  # into <site>/output, the recipe's output/
        subprocess.run([*rsync[:-1], f"{web}/"], cwd=site_copy, check=True, timeout=120)
        assert tree(web) == tree(site_copy / "output")

    build_and_deploy()
    assert (web / "en/raw/index.html").is_file() and (web / "es/raw/index.html").is_file()
    for lang in ("en", "es"):  # what `git mv content/raw.en.md content/plain.en.md` does
        (site_copy / f"content/raw.{lang}.md").rename(site_copy / f"content/plain.{lang}.md")
    build_and_deploy()
    assert (web / "en/plain/index.html").is_file()
    assert not (web / "en/raw").exists() and not (web / "es/raw").exists()
    assert b"/raw/" not in (web / "sitemap.xml").read_bytes()


def test_every_recipe_publishes_output_after_make_publish():
    blocks = _deploy_section().split("```sh\n")[1:]
    assert len(blocks) == 2 and all(block.startswith("make publish\n") for block in blocks)
    aws = _recipe("aws")
    assert aws[:4] == ["aws", "s3", "sync", "output/"] and aws[4].startswith("s3://") and "--delete" in aws


def test_make_publish_is_a_strict_build(tmp_path):
    dry = subprocess.run(["make", "-n", "-s", "-C", str(REPO), "publish", "BASE_URL=https://example.org/x/"],
                         capture_output=True, text=True, check=True, timeout=60)
    assert dry.stdout.splitlines()[-1] == '.venv/bin/python build.py build --strict --base-url "https://example.org/x/"'


def test_the_github_pages_workflow_runs_make_publish_and_publishes_output():
    path = REPO / "docs/deploy/github-pages.yml"
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert workflow[True] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}  # YAML 1.1: `on` is True
    build, deploy = workflow["jobs"]["build"]["steps"], workflow["jobs"]["deploy"]["steps"]
    pages = next(step for step in build if step.get("uses", "").startswith("actions/configure-pages@"))
    runs = [step["run"] for step in build if "run" in step]
    assert runs == [f'make publish BASE_URL="${{{{ steps.{pages["id"]}.outputs.base_url }}}}/"']
    upload = next(step for step in build if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"] == {"path": "output"}
    assert [step["uses"].split("@")[0] for step in deploy] == ["actions/deploy-pages"]
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert not (REPO / ".github").exists()  # kept in docs/: this repository's CI never runs it
