"""How ``llmrec`` prints: tables, sizes, and a progress line only on a terminal outside CI."""

from __future__ import annotations

import io

from pytest_llmrec.cli import output


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_table_aligns_text_left_and_numbers_right():
    text = output.table(["name", "size"], [["a", 5], ["longer", 120]], right=["size"])
    assert text.splitlines() == ["name    size", "a          5", "longer   120"]


def test_sizes_read_as_a_person_reads_them():
    assert [output.size(n) for n in (812, 4198, 5 * 1024 * 1024, 3 * 1024**3)] == [
        "812 B",
        "4.1 KB",
        "5.0 MB",
        "3.0 GB",
    ]


def test_progress_shows_on_a_terminal_and_is_silent_in_ci_or_a_pipe(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert output.progress("reading", io.StringIO()) is None
    terminal = Terminal()
    show = output.progress("reading", terminal)
    assert show is not None
    for done in range(1, 101):
        show(done, 100)
    assert terminal.getvalue() == "\rreading 50/100\rreading 100/100\r\x1b[K"
    monkeypatch.setenv("CI", "true")
    assert output.progress("reading", Terminal()) is None


def test_a_recordings_key_is_cut_to_what_show_takes():
    key = "5e98b12dae47" + "0" * 52
    assert output.short_path(f"recordings/t/{key}.json") == "recordings/t/5e98b12dae47..."
    assert output.short_path(f"recordings/t/{key}.3.json") == "recordings/t/5e98b12dae47....3"
    assert output.short_path("recordings/t/models-ab12.json") == "recordings/t/models-ab12.json"
