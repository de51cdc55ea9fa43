"""The package layout CONTRIBUTING.md draws: a thin CLI over the core packages, SQL only in store/, short
modules, and no import cycles. Read from the source with `ast`, so lazy imports count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "paperlab"
MODULES = {
    ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__"): path
    for path in PACKAGE.rglob("*.py") if "templates" not in path.parts
}


def imports(module: str) -> set[str]:
    """Every paperlab module this module imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from paperlab.log import items` imports the module paperlab.log.items
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
                     for a in node.names]
        else:
            continue
        found |= {n for n in names if n in MODULES and n != module}
    return found


def test_modules_are_short():
    long = {m: n for m, path in MODULES.items() if (n := len(path.read_text().splitlines())) > 400}
    assert not long


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("paperlab.cli.")))
def test_cli_modules_use_the_core_not_storage_or_each_other(module):
    allowed_cli = {"paperlab.cli", "paperlab.cli.render"}
    for imported in imports(module):
        assert not imported.startswith("paperlab.store"), imported
        assert not imported.startswith("paperlab.cli") or imported in allowed_cli, imported


def test_only_the_cli_imports_the_cli_and_only_store_writes_sql():
    for module, path in MODULES.items():
        if not module.startswith("paperlab.cli") and module != "paperlab.__main__":
            assert not any(i.startswith("paperlab.cli") for i in imports(module)), module
        if not module.startswith("paperlab.store"):
            text = path.read_text()
            assert "import sqlite3" not in text and ".execute(" not in text, module


def test_no_import_cycles():
    graph = {m: imports(m) for m in MODULES}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError(" -> ".join([*path[path.index(module):], module]))
        if module in done:
            return
        for imported in graph[module]:
            visit(imported, [*path, module])
        done.add(module)

    for module in graph:
        visit(module, [])


def test_a_command_line_loads_only_its_command_module():
    """`main()` imports the one module a command line names: the map must name every command's."""
    import typer.main

    from paperlab import cli

    group = typer.main.get_command(cli.app)
    assert set(group.commands) == set(cli.COMMAND_MODULES)
    for name, command in group.commands.items():
        callbacks = [c.callback for c in getattr(command, "commands", {}).values()] or [command.callback]
        assert {f.__module__ for f in callbacks} == {f"paperlab.cli.{cli.COMMAND_MODULES[name]}"}, name
    assert cli.command_name(["--home", "search", "note", "x"]) == "note"
    assert cli.command_name(["--home=lib", "search", "q"]) == "search"
    assert cli.command_name(["-h", "search"]) is None and cli.command_name(["serch"]) is None
    assert all(cli._name_of(c) in group.commands for c in cli.app.registered_commands)


BASE = {"errors", "config", "models", "fsutil", "interaction"}
# Which package may import which, lazy imports included: the layering CONTRIBUTING.md draws.
ALLOWED = {
    "base": BASE,
    "store": BASE,
    "library": BASE | {"store", "arxiv.ids"},  # resolving a pasted arXiv id: ids.py imports only the base
    "retrieval": BASE | {"store", "library"},
    "arxiv": BASE | {"store", "library", "retrieval"},
    "log": BASE | {"store", "library", "retrieval", "arxiv"},
    "replicate": BASE | {"store", "library", "retrieval"},
    "doctor": BASE | {"store", "library", "retrieval", "replicate"},
    "feed": BASE | {"store", "library", "retrieval", "arxiv"},
    "usecases": BASE | {"library", "retrieval", "arxiv", "log", "feed"},  # composes them: add, then index
    "samples": BASE | {"retrieval"},
    "cli": BASE | {"library", "retrieval", "arxiv", "log", "replicate", "doctor", "usecases", "feed", "cli", "web"},
    "web": BASE | {"library", "retrieval", "log", "replicate", "usecases", "feed"},  # the core, as the CLI calls it
    "__main__": {"cli"},
}


def layer(module: str) -> str:
    name = module.split(".")[1] if "." in module else module
    return "base" if name in BASE else name


def test_packages_import_only_what_the_layering_allows():
    wrong = []
    for module in MODULES:
        for imported in imports(module):
            if layer(imported) == layer(module):
                continue
            allowed = ALLOWED[layer(module)]
            target = layer(imported)
            if target not in allowed and imported.removeprefix("paperlab.") not in allowed:
                wrong.append(f"{module} -> {imported}")
    assert not wrong
