"""The command line fuzzed: random ids, paths, ratings, dates, tags and option mixes against a real
library. Whatever comes in: no traceback, exit code 0, 1 or 2, and the library stays consistent."""

from __future__ import annotations

import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from paperlab.cli import app
from paperlab.config import Settings
from paperlab.doctor import consistency
from paperlab.library import Library, init_library

IDS = st.sampled_from(["alpha", "beta", "2201.02177", "nope", "", "../etc", "a b", "ALPHA", "-x", "arXiv:2201.02177v9"])
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
DATES = st.one_of(st.sampled_from(["2020-06-20", "yesterday", "today", "2020-02-30", "6/20/2020", "soon",
                                   "9999-01-01", ""]), TEXT)
RATINGS = st.one_of(st.integers(-3, 14).map(str), TEXT)
TAGS = st.one_of(st.sampled_from(["+rl", "-rl", "vision", "+", "+a b", "+" + "x" * 50]), TEXT)
PATHS = st.sampled_from(["paperlab.toml", "/nonexistent/x.pdf", ".", "papers", "https://a.org/x", "x.md"])
STATUS = st.one_of(st.sampled_from(["to-read", "reading", "read", "abandoned"]), TEXT)

COMMANDS = st.one_of(
    st.tuples(st.just("status"), IDS, STATUS, st.just("--date"), DATES),
    st.tuples(st.just("rate"), IDS, RATINGS),
    st.tuples(st.just("rate"), IDS, RATINGS, st.just("--date"), DATES),
    st.builds(lambda i, t: ("tag", i, *t), IDS, st.lists(TAGS, max_size=3)),
    st.tuples(st.just("note"), IDS, st.just("-m"), TEXT, st.just("--date"), DATES),
    st.tuples(st.just("add"), PATHS, st.just("--title"), TEXT, st.just("--type"),
              st.sampled_from(["blog", "book", "magazine", "paper"]), st.just("--rating"), RATINGS),
    st.tuples(st.just("add"), st.sampled_from(["https://b.org/post", "https://c.org"]), st.just("--title"),
              TEXT, st.just("--type"), st.just("blog"), st.just("--status"), STATUS, st.just("--date"), DATES),
    st.tuples(st.just("edit"), IDS, st.sampled_from(["--title", "--year", "--type", "--id", "--authors"]), TEXT),
    st.tuples(st.just("log"), st.sampled_from(["--since", "--until", "--type", "--status", "--tag"]), TEXT),
    st.tuples(st.just("show"), IDS),
    st.tuples(st.just("rm"), IDS, st.sampled_from(["--yes", "-y", ""])),
    st.tuples(st.just("similar"), IDS, st.just("-k"), RATINGS),
    st.tuples(st.just("search"), TEXT, st.just("-k"), RATINGS),
    st.tuples(st.just("import"), st.sampled_from(["markdown", "bibtex", "csv"]), PATHS),
    st.tuples(st.just("export"), st.sampled_from(["markdown", "bibtex", "json", "xml"]), st.just("-o"),
              st.sampled_from(["/nonexistent/dir/x", "out.txt"])),
    st.tuples(st.just("week"), st.just("--date"), DATES),
)


def test_fuzz_the_command_line(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("fuzz") / "library"
    init_library(home)
    (home / "paperlab.toml").write_text('[paperlab]\nembedding_model = "hash:64"\narxiv_api_url = '
                                        '"http://127.0.0.1:9/api/query"\nhttp_retries = 0\nlock_timeout_s = 5.0\n')
    monkeypatch.chdir(home)
    runner = CliRunner()
    for title in ("Alpha", "Beta"):
        runner.invoke(app, ["--home", str(home), "add", f"https://{title.lower()}.org", "--title", title,
                            "--type", "blog"])

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(COMMANDS)
    def run(command: tuple[str, ...]) -> None:
        args = [a for a in command if a != ""] if command[0] != "rm" else [a for a in command if a]
        result = runner.invoke(app, ["--home", str(home), *args])
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code in (0, 1, 2, 3), (args, result.output)
        assert "Traceback" not in result.output

    run()
    with sqlite3.connect(home / "paperlab.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    lib = Library(home, Settings.load(home / "paperlab.toml"))
    assert consistency(lib) == []
    lib.close()
