"""The house rules of the layout (DESIGN.md), kept by walking every import with `ast`, at module level
and inside functions alike:

- imports point one way, handlers -> bot -> storage: storage imports neither, and only the
  composition root (bot/app.py, bot/cli.py) imports handlers/;
- `telegram` is imported only where a platform is spoken to: handlers/, bot/channels/, and bot's
  app, context, processor and cli (bot/devtools/ too: its test helpers drive a real Application, and
  production never imports it);
- the pure rules (bot/rules/) import neither storage nor telegram;
- bot/devtools/ is imported only by the command line (`chibo sandbox`), the tests and the benchmarks;
- no two modules import each other, directly or round a longer cycle.

The checker also runs on a small tree with deliberately wrong imports, so the test shows it can fail.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "storage")
TELEGRAM_ALLOWED = (
    "handlers",
    "bot.channels",
    "bot.devtools",
    "bot.app",
    "bot.context",
    "bot.processor",
    "bot.cli",
)
ROOT_OF_COMPOSITION = ("bot.app", "bot.cli")


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Return every module of the packages by dotted name."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            found[_module_name(root, path)] = path
    return found


def _type_only(tree: ast.Module) -> set[ast.AST]:
    """Return the imports under `if TYPE_CHECKING:`, which annotations need and the program never runs."""
    guarded: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            guarded.update(n for stmt in node.body for n in ast.walk(stmt))
    return guarded


def imports(
    name: str, path: Path, known: dict[str, Path], *, type_only: bool = True
) -> Iterator[tuple[str, int]]:
    """Yield (imported module, line) for every import of a module, wherever it sits in the file
    (at module level or inside a function); without type_only, leave out `if TYPE_CHECKING:` ones."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped = set() if type_only else _type_only(tree)
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from bot.features import mine` imports the module bot.features.mine.
                candidate = f"{base}.{alias.name}"
                yield (candidate if candidate in known else base), node.lineno


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def violations(root: Path) -> list[str]:
    """Return every broken house rule of the tree at root, one line each."""
    known = modules(root)
    problems: list[str] = []
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        where = f"{path.relative_to(root)}"
        for target, line in imports(name, path, known):
            at = f"{where}:{line}"
            if _within(target, ("telegram",)) and not _within(name, TELEGRAM_ALLOWED):
                problems.append(f"{at}: imports telegram outside handlers/ and bot/channels/")
            if _within(name, ("storage",)) and _within(target, ("bot", "handlers")):
                problems.append(f"{at}: storage imports {target} (storage is the bottom layer)")
            if _within(target, ("handlers",)) and _within(name, ("bot",)) and name not in ROOT_OF_COMPOSITION:
                problems.append(f"{at}: {name} imports {target} (only bot/app.py and bot/cli.py may)")
            if _within(name, ("bot.rules",)) and _within(target, ("storage", "telegram", "handlers")):
                problems.append(f"{at}: the pure rules import {target}")
            if (
                _within(target, ("bot.devtools",))
                and not _within(name, ("bot.devtools",))
                and name != "bot.cli"
            ):
                problems.append(f"{at}: {name} imports {target} (devtools: only the CLI, tests and bench)")
        # Cycles at run time: an annotation's import under TYPE_CHECKING never runs.
        for target, _ in imports(name, path, known, type_only=False):
            if target in known and target != name:
                graph[name].add(target)
    problems += [f"import cycle: {' -> '.join(cycle)}" for cycle in cycles(graph)]
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return one cycle of each group of modules that import each other (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append([*sorted(group), sorted(group)[0]])

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_house_keeps_its_rules() -> None:
    assert violations(ROOT) == []


def test_devtools_are_imported_by_nobody_in_production() -> None:
    known = modules(ROOT)
    users = {
        name
        for name, path in known.items()
        if not _within(name, ("bot.devtools",))
        for target, _ in imports(name, path, known)
        if _within(target, ("bot.devtools",))
    }
    assert users == {"bot.cli"}


def test_the_checker_finds_wrong_imports(tmp_path: Path) -> None:
    files = {
        "bot/__init__.py": "",
        "bot/app.py": "import handlers.start\n",
        "bot/rules/__init__.py": "",
        "bot/rules/deadlines.py": "def due():\n    from storage import units\n",
        "bot/features/__init__.py": "",
        "bot/features/digest.py": "from telegram import Bot\nfrom handlers import start\n",
        "bot/features/mine.py": "from bot.features import digest\nfrom bot.devtools import sandbox\n",
        "bot/features/broadcast.py": "import bot.features.mine\n",
        "bot/devtools/__init__.py": "",
        "bot/devtools/sandbox.py": "",
        "handlers/__init__.py": "",
        "handlers/start.py": "from bot.features import broadcast\n",
        "storage/__init__.py": "",
        "storage/units.py": "from bot.rules import deadlines\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = "\n".join(violations(tmp_path))
    assert "bot/rules/deadlines.py:2: the pure rules import storage" in found
    assert "bot/features/digest.py:1: imports telegram" in found
    assert "bot/features/digest.py:2: bot.features.digest imports handlers.start" in found
    assert "bot/features/mine.py:2: bot.features.mine imports bot.devtools.sandbox" in found
    assert "storage/units.py:1: storage imports bot.rules.deadlines" in found
    assert not any(line.startswith("bot/app.py") for line in found.splitlines())  # the composition root
    # handlers.start -> broadcast -> mine -> digest -> handlers.start
    assert (
        "import cycle: bot.features.broadcast -> bot.features.digest -> bot.features.mine -> handlers.start"
        " -> bot.features.broadcast"
    ) in found
