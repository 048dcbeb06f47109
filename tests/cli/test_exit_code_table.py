"""The one exit-code table (host_cli/exit_codes.py): every error class, every verdict, batches,
and the documented tables in README.md and docs/cli.md agree with ``ExitCode``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cccd_chip import errors
from cccd_chip.verify.report import CheckResult, Reason, Report, Verdict
from host_cli.exit_codes import ExitCode, exit_code_for

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    errors.UsageError: 2,
    errors.TransportError: 4, errors.NoReaderError: 4, errors.NoCardError: 4, errors.CardRemovedError: 4,
    errors.CardResetError: 4, errors.ReaderUnavailableError: 4, errors.AbortedError: 4,
    errors.DatabaseError: 4,
    errors.CardError: 5, errors.ProtocolError: 5, errors.AccessDeniedError: 5, errors.InvalidPublicKeyError: 5,
    errors.SecureMessagingError: 5, errors.UnsupportedError: 5,
    errors.ParseError: 6, errors.DumpFormatError: 6, errors.MalformedResponseError: 6, errors.TrustStoreError: 6,
    errors.DumpSealError: 6,
    errors.OutputError: 7,
    errors.VerificationError: 1,
    errors.CccdError: 70,
}


def _all_error_classes() -> list[type]:
    return [obj for obj in vars(errors).values() if isinstance(obj, type) and issubclass(obj, errors.CccdError)]


def test_every_error_class_of_the_library_has_its_documented_code():
    for cls in _all_error_classes():
        code = exit_code_for(cls("x"))
        if cls in EXPECTED:
            assert code == EXPECTED[cls], cls.__name__
        assert code in set(ExitCode), cls.__name__


def test_a_subclass_takes_the_code_of_its_nearest_listed_base():
    class NewCardProblem(errors.CardRemovedError):
        pass

    class NewBug(errors.CccdError):
        pass

    assert exit_code_for(NewCardProblem("x")) == ExitCode.TRANSPORT
    assert exit_code_for(NewBug("x")) == ExitCode.INTERNAL
    assert exit_code_for(ValueError("a bug")) == ExitCode.INTERNAL


def _report(verdict: Verdict) -> Report:
    return Report.of([CheckResult("passive", verdict, Reason.OK)])


@pytest.mark.parametrize("verdict, code", [(Verdict.SUCCESSFUL, 0), (Verdict.FAILED, 1),
                                           (Verdict.UNDETERMINED, 3), (Verdict.ABORTED, 4)])
def test_report_verdicts(verdict, code):
    assert exit_code_for(_report(verdict)) == code


class _Odd:
    overall = "maybe"


@pytest.mark.parametrize("outcome", [None, object(), _Odd(), "successful", 0])
def test_nothing_unknown_maps_to_success(outcome):
    assert exit_code_for(outcome) == ExitCode.INTERNAL


@pytest.mark.parametrize("counts, code", [
    ({"successful": 3}, 0), ({"successful": 2, "undetermined": 1}, 3), ({"aborted": 1}, 3),
    ({"undetermined": 1, "error": 1}, 6), ({"error": 1, "failed": 1}, 1), ({"failed": 1, "internal": 1}, 70),
    ({"successful": 1, "bogus": 1}, 70),
])
def test_batch_is_its_worst(counts, code):
    assert exit_code_for(counts) == code


def _table_codes(text: str, heading: str) -> set[int]:
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    return {int(m) for m in re.findall(r"^\| (\d+) \|", section, flags=re.M)}


@pytest.mark.parametrize("doc", ["README.md", "docs/cli.md"])
def test_documented_tables_list_exactly_the_exit_codes(doc):
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert _table_codes(text, "## Exit codes") == {int(c) for c in ExitCode}


# --- the library side: reasons only, a clean tree, no command-line words -------------------------

LIBRARY = ROOT / "cccd_chip"


def test_library_errors_carry_no_exit_code():
    for cls in _all_error_classes():
        assert "exit_code" not in vars(cls), cls.__name__
    assert not hasattr(errors.CccdError("x"), "exit_code")


def test_malformed_response_is_a_parse_error_not_a_link_error():
    assert issubclass(errors.MalformedResponseError, errors.ParseError)
    assert not issubclass(errors.MalformedResponseError, errors.TransportError)


def _class_defs():
    import ast

    for path in sorted(LIBRARY.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                yield path, node.name, bases


# RFC 9457 calls it a "problem": the service's HTTP problem response, raised inside its request handlers
NAMED_BY_THEIR_SPEC = {"Problem"}


def test_every_exception_class_name_ends_in_error():
    errs = {name for _, name, _ in _class_defs()} & {c.__name__ for c in _all_error_classes()}
    assert errs  # the scan sees the tree
    for path, name, bases in _class_defs():
        if name in NAMED_BY_THEIR_SPEC:
            continue
        if any(b.endswith("Error") or b in ("Exception", "CccdError") for b in bases):
            assert name.endswith("Error"), f"{path.relative_to(ROOT)}: class {name}"


_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+")


def _raised_texts(path: Path) -> list[str]:
    """The string parts of every ``raise X(...)`` in ``path`` (f-string constants included)."""
    import ast

    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            for arg in ast.walk(node.exc):
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    out.append(arg.value)
    return out


def test_no_library_error_message_names_a_command_line_flag():
    found = [(p.relative_to(ROOT).as_posix(), t) for p in sorted(LIBRARY.rglob("*.py")) for t in _raised_texts(p)
             if _FLAG.search(t)]
    assert found == []


def test_the_flag_scan_sees_a_flag(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('def f(x):\n    raise UsageError(f"give --dob for {x}")\n')
    assert any(_FLAG.search(t) for t in _raised_texts(bad))
