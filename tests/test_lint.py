"""The code passes the linter (pyflakes, bugbear, import order) as configured in pyproject.toml."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests", "bench"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dbt_yaml_has_no_duplicate_keys():
    """YAML keeps the last of two equal keys silently (a second `data_tests` drops the first's tests)."""
    import yaml

    class _Strict(yaml.SafeLoader):
        pass

    def _mapping(loader, node):
        keys = [loader.construct_object(key, deep=True) for key, _ in node.value]
        duplicates = sorted({str(k) for k in keys if keys.count(k) > 1})
        assert not duplicates, f"duplicate keys {duplicates} at {node.start_mark}"
        return loader.construct_mapping(node, deep=True)

    _Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    project = ROOT / "src/scrobble_insights/transform/dbt_project"
    for path in sorted(project.rglob("*.yml")):
        if "target" in path.parts or "dbt_packages" in path.parts:
            continue
        yaml.load(path.read_text(), Loader=_Strict)  # noqa: S506 (a SafeLoader subclass)
