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
