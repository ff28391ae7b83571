"""The living documentation site: model, results, escaping, the command, and a real headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from chromium_driver import BROWSER_FLAGS, WebDriver, find_browser

from conformance import resources
from conformance.outcomes import Verdict
from conformance.redaction import Redactor
from conformance.reports._summary import (
    CUCUMBER_FILE,
    SUMMARY_FILE,
    RunSummary,
    ScenarioResult,
    write_summary_json,
)
from conformance.reports.living_docs import docs_command
from conformance.reports.living_docs._command import build_site
from conformance.reports.living_docs._documents import load_features
from conformance.reports.living_docs._results import load_results

HOSTILE = "<script>document.title='owned'</script><img src=x onerror=alert(1)>"

HOSTILE_FEATURE = f"""\
@operation:recording-start
Feature: Hostile {HOSTILE}
  Text in feature files is data & must stay text: {HOSTILE}

  @status:200 @transition:0-3
  Scenario: Plain {HOSTILE}
    Given a step with {HOSTILE}
    When the moderator starts a video recording
    Then the request succeeds

  @status:400 @error:status
  Scenario Outline: Refused status <status>
    When the moderator starts a recording with status "<status>"
    Then the request is refused

    Examples:
      | status |
      | 0      |
      | {HOSTILE.replace("|", "/")} |

  @status:400 @error:recording
  Scenario Outline: Twice the same row
    When the moderator starts twice with <count>
    Then the request is refused

    Examples:
      | count |
      | 1     |
      | 1     |
"""


def write_features(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "hostile.feature").write_text(HOSTILE_FEATURE, encoding="utf-8")
    return directory


def write_summary(report_dir: Path, feature: str, verdicts: dict[str, tuple[Verdict, str]]) -> None:
    # Written with the engine's own writer, so the site reads exactly what a run produces.
    summary = RunSummary(target_url="http://127.0.0.1:9/")
    for index, (name, (verdict, message)) in enumerate(verdicts.items()):
        result = ScenarioResult(f"steps/test_features.py::test_{index}", name, feature, verdict=verdict)
        result.message = message
        summary.results[result.nodeid] = result
    write_summary_json(report_dir / SUMMARY_FILE, summary, Redactor())


class LinkCollector(HTMLParser):
    """Every URL an HTML document would load or link to."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.ids.update(value or "" for name, value in attrs if name == "id")
        self.urls += [value or "" for name, value in attrs if name in ("src", "href", "xlink:href", "action")]


# --- the documentation model ----------------------------------------------------------------------


def test_example_rows_get_the_names_the_run_reports(tmp_path: Path) -> None:
    [feature] = load_features(write_features(tmp_path / "features"))
    plain, outline, twice = feature.scenarios
    assert plain.result_names == [f"Plain {HOSTILE}"]
    hostile_row = HOSTILE.replace("|", "/")
    # The title names <status>: pytest-bdd renders it; the second title names nothing, so the pytest id is
    # appended, made unique the pytest way ("_" before the counter because the id ends in a digit).
    assert outline.result_names == ["Refused status 0", f"Refused status {hostile_row}"]
    assert twice.result_names == ["Twice the same row [1_0]", "Twice the same row [1_1]"]
    assert feature.background == () and feature.tags == ("operation:recording-start",)


def test_every_scenario_of_a_real_run_is_found_under_its_name(real_run: Path) -> None:
    features = load_features(resources.features_dir())
    documented = {
        (feature.name, name) for feature in features for s in feature.scenarios for name in s.result_names
    }
    results = load_results(real_run)
    assert all(results.outcome(*key).verdict != "not-run" for key in results.outcomes)
    summary = json.loads((real_run / SUMMARY_FILE).read_text(encoding="utf-8"))
    reported = {(entry["feature"], entry["name"]) for entry in summary["scenarios"]}
    assert reported and reported <= documented, reported - documented


# --- results, escaping, offline -------------------------------------------------------------------


@pytest.fixture
def hostile_site(tmp_path: Path) -> Path:
    features = write_features(tmp_path / "features")
    report = tmp_path / "report"
    report.mkdir()
    feature = f"Hostile {HOSTILE}"
    write_summary(
        report,
        feature,
        {
            f"Plain {HOSTILE}": (Verdict.FAILED, f"AssertionError: expected 200 {HOSTILE}"),
            "Refused status 0": (Verdict.PASSED, ""),
            f"Refused status {HOSTILE.replace('|', '/')}": (
                Verdict.ERROR,
                "SetupError: the room could not be made",
            ),
            "Twice the same row [1_0]": (Verdict.SKIPPED, "skipped by the profile"),
            "Twice the same row [1_1]": (Verdict.PASSED, ""),
        },
    )
    cucumber = [
        {
            "name": feature,
            "uri": "features/hostile.feature",
            "elements": [
                {
                    "id": "test_plain",
                    "name": f"Plain {HOSTILE}",
                    "line": 6,
                    "steps": [
                        {"keyword": "Given", "name": "x", "line": 7, "result": {"status": "passed"}},
                        {"keyword": "When", "name": "x", "line": 8, "result": {"status": "passed"}},
                        {"keyword": "Then", "name": "x", "line": 9, "result": {"status": "failed"}},
                    ],
                }
            ],
        }
    ]
    (report / CUCUMBER_FILE).write_text(json.dumps(cucumber), encoding="utf-8")
    assert (
        docs_command(["--out", str(tmp_path / "site"), "--results", str(report), "--features", str(features)])
        == 0
    )
    return tmp_path / "site" / "index.html"


OWN_SCRIPT = '<script src="site.js" defer></script>'


def test_feature_text_is_escaped_everywhere(hostile_site: Path) -> None:
    page = hostile_site.read_text(encoding="utf-8")
    assert page.count(OWN_SCRIPT) == 1  # the site's own search, a local file
    page = page.replace(OWN_SCRIPT, "")
    assert "<script" not in page and "<img" not in page
    assert page.count("&lt;script&gt;") >= 6  # feature, description, scenario, step, example row, message
    collector = LinkCollector()
    collector.feed(page)
    assert "script" not in collector.tags and "img" not in collector.tags
    for other in ("compatibility.html", "operations.html"):
        text = (hostile_site.parent / other).read_text(encoding="utf-8").replace(OWN_SCRIPT, "")
        assert "<script" not in text and "<img" not in text


def test_the_site_loads_nothing_from_elsewhere(hostile_site: Path) -> None:
    collector = LinkCollector()
    collector.feed(hostile_site.read_text(encoding="utf-8"))
    # Every URL is an anchor or a file of the site itself, which exists.
    files = {path.name for path in hostile_site.parent.iterdir()}
    outside = [url for url in collector.urls if not (url.startswith("#") or url.split("#")[0] in files)]
    assert outside == []
    assert (hostile_site.parent / "style.css").stat().st_size > 1000


def test_verdicts_per_scenario_and_per_row(hostile_site: Path) -> None:
    page = hostile_site.read_text(encoding="utf-8")
    verdicts = re.findall(r'<section class="scenario verdict-(\w[\w-]*)"', page)
    # Plain failed; the outline's rows passed and errored (error wins); the last one skipped + passed.
    assert verdicts == ["failed", "error", "passed"]
    rows = re.findall(r'<tr class="example-row verdict-([\w-]+)" data-result-name="([^"]*)"', page)
    assert [verdict for verdict, _ in rows] == ["passed", "error", "skipped", "passed"]
    assert "SetupError: the room could not be made" in page
    assert "AssertionError: expected 200 &lt;script&gt;" in page
    assert '<li class="step-failed"><span class="keyword">Then</span>the request succeeds' in page
    assert 'data-total="failed"' in page


def test_expectation_verdicts_are_shown_as_such(tmp_path: Path) -> None:
    features = write_features(tmp_path / "features")
    report = tmp_path / "report"
    report.mkdir()
    summary = RunSummary(target_url="http://127.0.0.1:9/")
    for index, (name, unexpected) in enumerate([(f"Plain {HOSTILE}", False), ("Refused status 0", True)]):
        result = ScenarioResult(f"steps/test_features.py::test_{index}", name, f"Hostile {HOSTILE}")
        result.verdict, result.expected = Verdict.FAILED, "D7: upstream answers 500"
        result.unexpected_pass = unexpected
        summary.results[result.nodeid] = result
    write_summary_json(report / SUMMARY_FILE, summary, Redactor())
    build_site(tmp_path / "site", report, features)
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    verdicts = re.findall(r'<section class="scenario verdict-([\w-]+)"', page)
    # the outline's other row was not run; an unexpected pass still outranks "not-run"
    assert verdicts == ["expected-failure", "unexpectedly-passed", "not-run"]


def test_a_scenario_without_result_is_not_run(tmp_path: Path) -> None:
    features = write_features(tmp_path / "features")
    report = tmp_path / "report"
    report.mkdir()
    write_summary(report, "Another feature", {"Something else": (Verdict.PASSED, "")})
    build_site(tmp_path / "site", report, features)
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<section class="scenario verdict-([\w-]+)"', page) == ["not-run"] * 3


def test_without_results_the_site_documents_the_scenarios_only(tmp_path: Path) -> None:
    index = build_site(tmp_path / "site")
    page = index.read_text(encoding="utf-8")
    assert "no run results were given" in page and "data-verdict" not in page
    assert "A moderator starts a video recording" in page
    assert 'id="coverage"' in page and 'id="deviation-U1"' in page and "<svg" in page


def test_every_link_of_the_matrix_and_the_overview_has_a_target(tmp_path: Path) -> None:
    collector = LinkCollector()
    collector.feed(build_site(tmp_path / "site").read_text(encoding="utf-8"))
    anchors = [url[1:] for url in collector.urls if url.startswith("#")]
    assert len([anchor for anchor in anchors if "-line-" in anchor]) > 100  # matrix rows link to scenarios
    assert [anchor for anchor in anchors if anchor not in collector.ids] == []


# --- the command's errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_results", "expected"),
    [
        (lambda d: d / "missing", "does not exist"),
        (lambda d: d, "neither summary.json nor cucumber.json"),
        (lambda d: (d / SUMMARY_FILE).write_text("{not json", encoding="utf-8") and d, "cannot read"),
        (lambda d: (d / CUCUMBER_FILE).write_text('{"a": 1}', encoding="utf-8") and d, "not a Cucumber JSON"),
    ],
)
def test_unusable_results_are_explained_without_a_traceback(
    tmp_path: Path, capsys, make_results, expected
) -> None:
    results = make_results(tmp_path)
    assert docs_command(["--out", str(tmp_path / "site"), "--results", str(results)]) == 2
    error = capsys.readouterr().err
    assert expected in error and "Traceback" not in error
    assert not (tmp_path / "site" / "index.html").exists()


def test_an_unwritable_output_is_explained(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    assert docs_command(["--out", str(blocker / "site")]) == 2
    assert "cannot write the site" in capsys.readouterr().err


def test_out_is_required(capsys) -> None:
    assert docs_command([]) == 2
    assert "--out" in capsys.readouterr().err


# --- a real run, shown in a real browser ----------------------------------------------------------


def run_browser(browser: str, profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [browser, *BROWSER_FLAGS, f"--user-data-dir={profile}", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
    )


def png_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the inflated image data of a PNG (enough to tell a blank page from a page)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    position, width, height, compressed = 8, 0, 0, b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            compressed += body
        position += 12 + length
    return width, height, zlib.decompress(compressed)


@pytest.fixture(scope="module")
def browser() -> str:
    found = find_browser()
    if found is None:
        pytest.skip("no Chromium installed (apt-get install -y chromium chromium-driver)")
    return found


def test_the_site_of_a_real_run_in_headless_chromium(browser: str, real_run: Path, tmp_path: Path) -> None:
    index = build_site(tmp_path / "site", real_run)
    url = index.resolve().as_uri()
    dom = run_browser(browser, tmp_path / "profile-dom", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    # The scenarios of the run, with their verdicts, per scenario and per example row.
    assert re.search(r'data-verdict="passed" data-name="A report of an unknown type is refused"', page)
    assert re.search(
        r'data-verdict="passed" data-name="Only administrators may check a recording server"', page
    )
    assert re.search(
        r'data-verdict="skipped" data-name="A recording server that cannot be used is reported', page
    )
    assert page.count('class="example-row verdict-passed"') == 3
    assert page.count('class="example-row verdict-skipped"') == 3
    totals = json.loads((real_run / SUMMARY_FILE).read_text(encoding="utf-8"))["totals"]
    assert totals["skipped"] >= 3 and totals["passed"] >= 4
    for name in ("total", "passed", "skipped"):
        assert f'data-total="{name}"><strong>{totals[name]}</strong>' in page
    # The matrix, the register and the status diagram made it into the browser's DOM.
    assert '<table class="coverage-cells">' in page and "TIME_OUT_OF_SYNC" in page
    assert 'id="deviation-D7"' in page
    assert page.count('<g class="state"') == 6 and "starting audio" in page

    shot = tmp_path / "site.png"
    screenshot = run_browser(
        browser, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1280,2000", url
    )
    assert screenshot.returncode == 0, screenshot.stderr[-2000:]
    width, height, pixels = png_pixels(shot)
    assert (width, height) == (1280, 2000)
    assert len(set(pixels)) > 32, "the screenshot is blank"


def test_hostile_feature_text_stays_text_in_chromium(
    browser: str, hostile_site: Path, tmp_path: Path
) -> None:
    dom = run_browser(browser, tmp_path / "profile", "--dump-dom", hostile_site.resolve().as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout.replace('<script src="site.js" defer=""></script>', "", 1)
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;document.title='owned'&lt;/script&gt;" in dom.stdout
    assert "<title>Nextcloud Talk call recording: living documentation</title>" in dom.stdout


# --- the overview tiles and the page width --------------------------------------------------------


def expectation_run(directory: Path) -> Path:
    """A report of a run with expectations: passes, failures, expected failures and an unexpected pass."""
    directory.mkdir(parents=True)
    summary = RunSummary(target_url="http://127.0.0.1:9/", expectations="nextcloud-32.yaml")
    verdicts = [Verdict.PASSED] * 5 + [Verdict.FAILED] * 2 + [Verdict.SKIPPED]
    for index, verdict in enumerate([*verdicts, Verdict.FAILED, Verdict.FAILED, Verdict.FAILED]):
        long_word = "OCA\\Talk\\Controller\\RecordingController::start():Argument#1($status)" * 4
        result = ScenarioResult(f"steps/test_features.py::test_{index}", f"Scenario {index}", "Some feature")
        result.verdict, result.message = verdict, f"HTTP 500 {long_word}"
        if index >= len(verdicts):
            result.expected = "D7: upstream answers 500"
            result.unexpected_pass = index == len(verdicts)
        summary.results[result.nodeid] = result
    write_summary_json(directory / SUMMARY_FILE, summary, Redactor())
    return directory


def tiles(page: str) -> dict[str, int]:
    return {
        name: int(count) for name, count in re.findall(r'data-total="(\w+)"><strong>(\d+)</strong>', page)
    }


def test_the_tiles_count_expected_failures_and_unexpected_passes(tmp_path: Path) -> None:
    page = build_site(tmp_path / "site", expectation_run(tmp_path / "report")).read_text(encoding="utf-8")
    counts = tiles(page)
    assert counts == {
        "total": 11,
        "passed": 5,
        "failed": 2,
        "error": 0,
        "skipped": 1,
        "expected_failure": 2,
        "unexpectedly_passed": 1,
        "failed_differently": 0,
    }
    # Every scenario is in exactly one tile: the tiles add up to the total.
    assert sum(counts.values()) - counts["total"] == counts["total"]
    assert ">expected failure</div>" in page and ">unexpectedly passed</div>" in page


def test_the_register_shows_the_observed_answer_and_the_accepted_differences(tmp_path: Path) -> None:
    page = build_site(tmp_path / "site").read_text(encoding="utf-8")
    assert 'id="accepted-differences"' in page and 'id="deviation-A1"' in page
    import yaml

    register = yaml.safe_load(resources.deviations_path().read_text(encoding="utf-8"))
    observed = [
        entry for entry in register["deviations"] + register["accepted_differences"] if entry.get("observed")
    ]
    assert observed, "no register entry records an observed answer"
    assert page.count("Observed (real Talk 22)") == len(observed)


def test_a_comparison_report_is_a_page_of_the_site(tmp_path: Path) -> None:
    report = {
        "left": "nextcloud-32",
        "right": "run.har",
        "counts": {
            "compared": 1,
            "agreeing": 0,
            "not_recorded": 1,
            "differences": 1,
            "unexplained": 0,
            "accepted": {"A1": 1},
        },
        "differences": [
            {
                "scenario": HOSTILE,
                "step": 2,
                "request": "DELETE /x",
                "kind": "status",
                "left": "404",
                "right": "200",
                "accepted_by": "A1",
            }
        ],
        "not_recorded": {"A new one": "not in nextcloud-32"},
        "ended_early": {},
    }
    path = tmp_path / "comparison.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    index = build_site(tmp_path / "site", comparison=path)
    assert '<a href="traffic.html">Traffic comparison</a>' in index.read_text(encoding="utf-8")
    page = (tmp_path / "site" / "traffic.html").read_text(encoding="utf-8")
    assert "<script" not in page and "A new one: not in nextcloud-32" in page
    assert 'data-total="unexplained"><strong>0</strong>' in page
    assert docs_command(["--out", str(tmp_path / "x"), "--comparison", str(tmp_path / "missing.json")]) == 2


def test_tiles_and_no_sideways_scrolling_at_1400_px_in_chromium(
    browser: str, real_run: Path, tmp_path: Path
) -> None:
    results = expectation_run(tmp_path / "report")
    index = build_site(tmp_path / "site", results)
    dom = run_browser(browser, tmp_path / "profile-dom", "--dump-dom", index.resolve().as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert tiles(dom.stdout)["expected_failure"] == 2 and tiles(dom.stdout)["unexpectedly_passed"] == 1
    driver = shutil.which("chromedriver")
    if driver is None:
        pytest.skip("no chromedriver installed (apt-get install -y chromium-driver)")
    real = build_site(tmp_path / "real-site", real_run)
    webdriver = WebDriver(driver, browser, tmp_path / "profile-width")
    try:
        for page in (index, real):
            width, client = webdriver.scroll_width(page.resolve().as_uri())
            assert width <= client, f"{page} is {width} px wide in a 1400 px window ({client} px visible)"
    finally:
        webdriver.close()
