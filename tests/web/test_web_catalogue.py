"""Guard: the English catalogue translates every Japanese msgid of the project, and the
compiled catalogue is the one from the source (no empty, fuzzy or stale entries)."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
from pathlib import Path

from django.core.management import call_command

import saikoku

SOURCE = Path(saikoku.__file__).parent
LOCALE = SOURCE / "locale" / "en" / "LC_MESSAGES"


def _entries(text: str) -> list[dict[str, object]]:
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry: dict[str, object] = {"flags": [], "msgstr": []}
        current = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"] = [f.strip() for f in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif match := re.match(
                r'^(msgid_plural|msgid|msgstr(?:\[\d+\])?|msgctxt) (".*")$', line
            ):
                current = match.group(1)
                value = ast.literal_eval(match.group(2))
                if current.startswith("msgstr"):
                    entry["msgstr"].append(value)  # type: ignore[union-attr]
                else:
                    entry[current] = value
            elif line.startswith('"') and current:
                value = ast.literal_eval(line)
                if current.startswith("msgstr"):
                    entry["msgstr"][-1] += value  # type: ignore[index]
                else:
                    entry[current] += value  # type: ignore[operator]
        entries.append(entry)
    return entries


def test_every_msgid_has_an_english_translation_and_none_is_fuzzy():
    entries = [e for e in _entries((LOCALE / "django.po").read_text("utf-8")) if e.get("msgid")]
    assert len(entries) > 100
    empty = [e["msgid"] for e in entries if not all(e["msgstr"]) and not e.get("obsolete")]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert empty == []
    assert fuzzy == []


def test_the_compiled_catalogue_holds_what_the_source_says():
    with (LOCALE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in _entries((LOCALE / "django.po").read_text("utf-8")):
        if not entry.get("msgid") or entry.get("obsolete"):
            continue
        if "msgctxt" in entry:
            got = compiled.pgettext(entry["msgctxt"], entry["msgid"])
            assert got == entry["msgstr"][0], entry["msgid"]
        elif "msgid_plural" in entry:
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 2) == entry["msgstr"][1]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"][0], entry["msgid"]


def test_placeholders_survive_translation():
    for entry in _entries((LOCALE / "django.po").read_text("utf-8")):
        if not entry.get("msgid") or entry.get("obsolete"):
            continue
        wanted = set(re.findall(r"%\(\w+\)[sd]", str(entry["msgid"])))
        for msgstr in entry["msgstr"]:  # type: ignore[union-attr]
            assert set(re.findall(r"%\(\w+\)[sd]", msgstr)) == wanted, entry["msgid"]


def _keys(entries: list[dict[str, object]]) -> set[tuple[str, str]]:
    return {
        (str(e.get("msgctxt", "")), str(e["msgid"]))
        for e in entries
        if e.get("msgid") and not e.get("obsolete")
    }


def test_the_catalogue_holds_exactly_what_makemessages_extracts(tmp_path, settings, monkeypatch):
    # Extract with the same command a translator runs, from a copy of the source, so the
    # committed catalogue is neither touched nor merged into: a new _("…") or
    # {% translate %} that nobody added to the catalogue would show in Japanese to an
    # English user, and an entry the source no longer has is dead weight.
    copy = tmp_path / "saikoku"
    shutil.copytree(
        SOURCE,
        copy,
        ignore=shutil.ignore_patterns("locale", "var", "static", "__pycache__", "*.mo"),
    )
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = []
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)

    extracted = _keys(_entries((copy / "locale/en/LC_MESSAGES/django.po").read_text("utf-8")))
    catalogue = _keys(_entries((LOCALE / "django.po").read_text("utf-8")))
    assert len(extracted) > 100
    assert sorted(extracted - catalogue) == []
    assert sorted(catalogue - extracted) == []
