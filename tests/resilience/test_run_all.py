"""The generated section of docs/performance.md is replaced; the prose around it is kept."""

from bench.run_all import BEGIN, END, write_section


def test_only_the_generated_section_is_replaced(tmp_path):
    document = tmp_path / "performance.md"
    document.write_text(
        f"# Title\n\nprose before\n\n{BEGIN}\nold figures\n{END}\n\nprose after\n", encoding="utf-8"
    )
    write_section(document, ["new figures"])
    text = document.read_text(encoding="utf-8")
    assert "old figures" not in text
    assert f"{BEGIN}\nnew figures\n{END}" in text
    assert text.startswith("# Title\n\nprose before\n\n") and text.endswith("\n\nprose after\n")


def test_a_missing_document_is_created(tmp_path):
    document = tmp_path / "docs" / "performance.md"
    write_section(document, ["figures"])
    assert f"{BEGIN}\nfigures\n{END}" in document.read_text(encoding="utf-8")


def test_a_check_that_could_not_run_is_shown_as_skipped_with_why_never_ok():
    from bench.check_result import CheckResult, print_results
    from bench.run_all import _checks

    skipped = CheckResult.skip("read-only files", "cannot make a directory read-only here")
    assert skipped.line() == "n/a  read-only files: skipped: cannot make a directory read-only here"
    assert "| read-only files | skipped | skipped: cannot make a directory read-only here |" in _checks(
        [skipped]
    )
    assert print_results([skipped]) == 0 and not skipped.passed and not skipped.failed


def quoted_figures(prose: str) -> list[str]:
    """Decimals, ranges, thousands and numbers with a unit in prose outside code spans: measurements."""
    import re

    prose = re.sub(r"`[^`]*`", "", prose)
    decimals = re.findall(r"(?<![\w/.])\d+\.\d+(?![\w.])", prose)
    with_unit = re.findall(r"(?<![\w/.])(\d[\d,]*(?:\.\d+)?)\s?(?:ms|s|MiB|GiB|KiB|%|×)(?!\w)", prose)
    ranges = re.findall(r"(?<![\w/.])\d+(?:\.\d+)?\s?–\s?\d+(?:\.\d+)?(?![\w.])", prose)
    thousands = re.findall(r"(?<![\w/.])\d{1,3}(?:,\d{3})+(?![\d])", prose)
    return decimals + with_unit + ranges + thousands


def test_performance_md_quotes_only_figures_its_generated_section_holds():
    from pathlib import Path

    document = (Path(__file__).resolve().parents[2] / "docs" / "performance.md").read_text(encoding="utf-8")
    head, rest = document.split(BEGIN, 1)
    generated, tail = rest.split(END, 1)
    stale = [figure for figure in quoted_figures(head + tail) if figure.replace(",", "") not in generated]
    assert not stale, (
        f"docs/performance.md quotes figures no script wrote into its generated section: {stale}"
    )


def test_the_figure_finder_sees_decimals_ranges_and_units_but_not_code():
    assert quoted_figures("a ratio of 5–7, 0.65 ms, 3.7 s, 1,100 requests, `--upload-mib 64`, HTTP/1.0") == [
        "0.65",
        "3.7",
        "0.65",
        "3.7",
        "5–7",
        "1,100",
    ]
