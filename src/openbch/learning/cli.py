"""``openbch learning check|list|export-scorm|export-cmi5|export-html``: argument parsing and printing only.

Registered by :mod:`openbch.cli` (``app.add_typer(learning_app, name="learning")``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from openbch.cli_common import DataDir, console, out, setup_django

__all__ = ["learning_app"]

learning_app = typer.Typer(help="E-learning: check the course content, export modules.", no_args_is_help=True)


def _catalogue_or_exit() -> object:
    from openbch.core.errors import LoadFailedError
    from openbch.learning.catalogue import catalogue

    try:
        return catalogue()
    except LoadFailedError as exc:
        for issue in exc.issues:
            console.print(issue.message, markup=False, highlight=False)
        console.print(f"{exc.code}: {exc.message}", markup=False, highlight=False)
        raise typer.Exit(1) from None


@learning_app.command("check")
def check(
    folder: Annotated[Path | None, typer.Argument(help="A content folder (default: the shipped courses).")] = None,
) -> None:
    """Check courses.json and every module (manifest, lessons, quiz bank); list every problem."""
    setup_django(None)
    from openbch.core.errors import LoadFailedError
    from openbch.learning.catalogue import load_catalogue, package_folder

    try:
        found = load_catalogue(folder or package_folder())
    except LoadFailedError as exc:
        for issue in exc.issues:
            out.print(issue.message, markup=False, highlight=False)
        console.print(f"{len(exc.issues)} problem(s)")
        raise typer.Exit(1) from None
    questions = sum(len(m.questions) for m in found.modules.values())
    out.print(f"{len(found.courses)} courses, {len(found.modules)} modules, {questions} questions: all valid")


@learning_app.command("list")
def list_modules(data_dir: DataDir = None) -> None:
    """The courses and their modules, one line each."""
    setup_django(data_dir)
    from openbch.learning.catalogue import catalogue

    _catalogue_or_exit()
    cat = catalogue()
    for course in cat.courses:
        out.print(f"{course.slug}  {course.title['en']}", markup=False, highlight=False)
        for slug in course.modules:
            module = cat.modules[slug]
            out.print(
                f"  {slug:<40} {len(module.lessons)} lessons, {len(module.questions)} questions, "
                f"languages: {', '.join(sorted({lang for lesson in module.lessons for lang in lesson.texts}))}",
                markup=False,
                highlight=False,
            )


def _export(module: str, output: Path, kind: str, language: str) -> None:
    from openbch.core.actors import SYSTEM
    from openbch.learning.catalogue import catalogue
    from openbch.learning.services import export_package

    _catalogue_or_exit()
    if module not in catalogue().modules:
        console.print(f"no module {module!r}; see `openbch learning list`", markup=False, highlight=False)
        raise typer.Exit(2)
    # whoever runs the command can read the database: the system actor, as for `openbch load`
    data = export_package(SYSTEM, module=module, kind=kind, language=language)
    output.write_bytes(data)
    out.print(f"{output} ({len(data):,} bytes)", markup=False, highlight=False)


Output = Annotated[Path, typer.Option("-o", "--output", help="The zip file to write.")]
Lang = Annotated[str, typer.Option("--lang", help="Language of the pages (lessons fall back to English).")]


@learning_app.command("export-scorm")
def export_scorm(
    module: Annotated[str, typer.Argument(help="Module slug (see `learning list`).")],
    output: Output,
    lang: Lang = "en",
    data_dir: DataDir = None,
) -> None:
    """Export a module as a SCORM 1.2 package for another learning management system."""
    setup_django(data_dir)
    _export(module, output, "scorm", lang)


@learning_app.command("export-cmi5")
def export_cmi5(
    module: Annotated[str, typer.Argument(help="Module slug (see `learning list`).")],
    output: Output,
    lang: Lang = "en",
    data_dir: DataDir = None,
) -> None:
    """Export a module as a cmi5 package (xAPI) for a cmi5 learning management system."""
    setup_django(data_dir)
    _export(module, output, "cmi5", lang)


@learning_app.command("export-html")
def export_html(
    module: Annotated[str, typer.Argument(help="Module slug (see `learning list`).")],
    output: Output,
    lang: Lang = "en",
    data_dir: DataDir = None,
) -> None:
    """Export a module as an offline HTML bundle (open index.html; no connection needed)."""
    setup_django(data_dir)
    _export(module, output, "html", lang)
