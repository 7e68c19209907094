"""dbt's unit tests (unit_tests: in the models' *__unit_tests.yml files) run and pass.

They are the known answers for local time, seasons and genre ranking; production builds exclude them
(transform() passes --exclude test_type:unit). dbt needs the unit-tested models' parents to exist to
learn their column types, so one `dbt build --empty` (every model built with zero rows, data tests
left out) creates them on a scratch warehouse and runs the unit tests in the same pass.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from scrobble_insights.config import build_settings
from scrobble_insights.load.warehouse import open_warehouse
from scrobble_insights.transform.dbt import PROJECT_DIR, reference_tables, run_dbt
from scrobble_insights.transform.genres import canonical_genre, hierarchy_rows

pytestmark = pytest.mark.slow     # a warehouse of its own: in the full suite, not the fast lane


def declared_unit_tests() -> dict[str, dict]:
    """Every unit test declared in the project's model yml files, by name."""
    tests = {}
    for path in sorted((PROJECT_DIR / "models").rglob("*.yml")):
        for test in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("unit_tests") or []:
            assert test["name"] not in tests, f"unit test {test['name']} declared twice"
            tests[test["name"]] = {**test, "file": path.relative_to(PROJECT_DIR).as_posix()}
    return tests


def given_rows(test: dict, input_name: str) -> list[dict]:
    return next((given.get("rows") or [] for given in test["given"] if given["input"] == input_name), [])


@pytest.fixture(scope="module")
def unit_test_results(tmp_path_factory, monkeypatch_module) -> dict[str, dict]:
    """run_results.json of `dbt build --empty --exclude test_type:data` on a scratch warehouse."""
    root: Path = tmp_path_factory.mktemp("unit")
    monkeypatch_module.chdir(root)                  # no scrobble-insights.toml or .env of the developer
    settings = build_settings(data_dir=root / "data")
    warehouse = open_warehouse(settings)            # creates the raw tables (the sources)
    try:
        for name, table in reference_tables(settings, ["unit"], []).items():
            warehouse.replace_table(name, table)
    finally:
        warehouse.close()
    run = run_dbt(settings, ["build", "--empty", "--exclude", "test_type:data"], date(2026, 1, 1))
    results = {node["unique_id"]: node for node in run.results}
    assert results, f"dbt ran nothing: {run.output[-2000:]}"
    return results


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_every_declared_unit_test_ran_and_passed(unit_test_results):
    declared = declared_unit_tests()
    ran = {uid.split(".")[-1]: node for uid, node in unit_test_results.items() if uid.startswith("unit_test.")}
    assert len(declared) >= 24
    assert sorted(ran) == sorted(declared), "a unit test was declared but not run (or the other way round)"
    failed = {name: (node["status"], node.get("message")) for name, node in ran.items() if node["status"] != "pass"}
    assert failed == {}


def test_empty_build_of_the_models_succeeded(unit_test_results):
    """The parents the unit tests need were built (a failed model would skip its unit tests)."""
    bad = {uid: node["status"] for uid, node in unit_test_results.items()
           if not uid.startswith("unit_test.") and node["status"] not in ("success", "pass")}
    assert bad == {}


def test_genre_unit_tests_use_the_vocabularys_tag_lookup_and_hierarchy():
    """The mocked tag lookup and hierarchy rows are what production feeds dbt (no drift from the vocabulary)."""
    hierarchy = {row["genre"]: row for row in hierarchy_rows()}
    genre_tests = [test for test in declared_unit_tests().values() if test["model"] == "int_artist_genres_ranked"]
    assert len(genre_tests) >= 10
    for test in genre_tests:
        lookup = given_rows(test, "ref('stg_reference__tag_genres')")
        assert {row["tag_name"]: row["genre"] for row in lookup} == {
            row["tag_name"]: canonical_genre(row["tag_name"]) for row in lookup}, test["name"]
        tags = {row["tag_name"] for row in given_rows(test, "ref('stg_lastfm__artist_tags')")}
        assert tags == {row["tag_name"] for row in lookup}, test["name"]
        for row in given_rows(test, "ref('genre_hierarchy')"):
            assert {key: hierarchy[row["genre"]][key] for key in row} == row, test["name"]
        wanted = {row["genre"] for row in lookup} - {None}
        assert {row["genre"] for row in given_rows(test, "ref('genre_hierarchy')")} == wanted, test["name"]
