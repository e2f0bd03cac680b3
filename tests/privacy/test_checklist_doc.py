"""docs/security/checklist.md stays in step with the code: 44 points (22 the ward does,
22 it makes the contractor do), each classified, each with a proof that exists — a test
that CI collects, a `saikoku` command, or a file of the project."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security" / "checklist.md"
ROW = re.compile(
    r"^\| (?P<no>[WC]\d\d) \| (?P<point>[^|]+) \| (?P<kind>[^|]+)"
    r" \| (?P<what>.+) \| (?P<proof>[^|]+) \|$"
)
KINDS = {
    "強制 (enforced)": "enforced",
    "支援 (supported)": "supported",
    "手順 (procedural)": "procedural",
}


def rows() -> list[dict[str, str]]:
    return [m.groupdict() for line in DOC.read_text("utf-8").splitlines() if (m := ROW.match(line))]


def proofs(row: dict[str, str]) -> list[str]:
    return re.findall(r"`([^`]+)`", row["proof"])


def test_there_are_exactly_44_points_22_each_numbered_in_order():
    numbers = [row["no"] for row in rows()]
    assert numbers == [f"W{n:02d}" for n in range(1, 23)] + [f"C{n:02d}" for n in range(1, 23)]


def test_every_point_is_classified_and_the_summary_counts_them():
    counted = Counter(KINDS[row["kind"].strip()] for row in rows())
    summary = re.search(r"強制 (\d+)、支援 (\d+)、手順 (\d+)", DOC.read_text("utf-8"))
    assert summary, "the summary line is missing"
    assert [int(n) for n in summary.groups()] == [
        counted["enforced"],
        counted["supported"],
        counted["procedural"],
    ]


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    }


def test_every_named_test_exists():
    named = [p for row in rows() for p in proofs(row) if "::" in p]
    assert named
    for proof in named:
        file, name = proof.split("::")
        path = ROOT / file
        assert path.is_file(), proof
        assert name in _test_names(path), proof


def test_every_enforced_point_is_proved_by_a_test():
    for row in rows():
        if KINDS[row["kind"].strip()] == "enforced":
            assert any("::" in p for p in proofs(row)), row["no"]


def test_every_named_command_and_file_exists():
    listed = subprocess.run(
        [sys.executable, "-m", "saikoku", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for row in rows():
        assert proofs(row), row["no"]
        for proof in proofs(row):
            if proof.startswith("saikoku "):
                command = proof.split()[1]
                assert re.search(rf"^\s+{re.escape(command)}\b", listed, re.M), proof
            elif "::" not in proof:
                assert (ROOT / proof).exists(), proof
