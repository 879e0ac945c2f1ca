"""Bad input: one clear error line naming the file, the run goes on, nothing is lost.

Every test puts a healthy legacy file (`good.py`) next to the bad one and checks that it
was still fixed, that the bad file got exactly one `path: error: ...` line, and that the
exit code is at least 1.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import migrator.files
import migrator.runner
from migrator.cli import cli
from migrator.files import Snapshot, read_source, write_atomically
from migrator.runner import Job, process_file
from migrator.settings import Settings
from tests.helpers import cli_fixed as fixed

LEGACY = '''from openai import OpenAI

client = OpenAI()
response = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi")
print(response.choices[0].text)
'''
FIXED = fixed(LEGACY)
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def invoke(*args: str) -> Result:
    # --isolated: no pyproject.toml above tmp_path may change what the tests see.
    return CliRunner().invoke(cli, [*args[:1], "--isolated", "--model", "gpt-4o-mini", "--jobs", "1", *args[1:]])


def tree(tmp_path: Path) -> Path:
    (tmp_path / "good.py").write_text(LEGACY)
    return tmp_path


def errors_for(result: Result, path: Path | str) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith(f"{path}: error: ")]


def assert_reported_and_continued(result: Result, bad: Path | str, fragment: str) -> None:
    lines = errors_for(result, bad)
    assert len(lines) == 1, result.output
    assert fragment in lines[0], lines[0]
    assert result.exit_code >= 1
    assert "internal error" not in result.output and "Traceback" not in result.output


def good_was_fixed(root: Path) -> bool:
    return (root / "good.py").read_text() == FIXED


def compiles(data: bytes) -> bool:
    try:
        compile(data, "<test>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("syntax.py", b"def f(:\n    client.completions.create(prompt='x')\n", "syntax error"),
        ("nul.py", b"x = 1\x00\n# completions\n", "syntax error"),
        ("undecodable.py", b"# completions\nx = '\xff\xfe'\n", "cannot decode"),
        (
            "bad_utf8_cookie.py",
            b"# -*- coding: utf-8 -*-\n# completions\nx = '\xff\xfe'\n",
            "cannot decode",
        ),
        ("unknown_cookie.py", b"# -*- coding: klingon -*-\n# completions\n", "unknown encoding: klingon"),
        # LibCST parses what CPython refuses (over 200 nested parentheses); the fix's
        # verification catches it and blames the file, not the fix.
        (
            "too_many_parens.py",
            LEGACY.encode() + b"x = " + b"(" * 300 + b"1" + b")" * 300 + b"\n",
            "syntax error (CPython): too many nested parentheses",
        ),
    ],
)
def test_unparsable_file_is_one_error_and_the_run_goes_on(
    tmp_path: Path, name: str, content: bytes, fragment: str
) -> None:
    root = tree(tmp_path)
    bad = root / name
    bad.write_bytes(content)
    assert not compiles(content)  # CPython agrees that the file is broken
    result = invoke("fix", str(root))
    assert_reported_and_continued(result, bad, fragment)
    assert bad.read_bytes() == content
    assert good_was_fixed(root)


def test_check_reports_unparsable_files_too(tmp_path: Path) -> None:
    root = tree(tmp_path)
    (root / "nul.py").write_bytes(b"x = 1\x00\n# completions\n")
    result = invoke("check", str(root))
    assert_reported_and_continued(result, root / "nul.py", "syntax error")
    assert "good.py:4:" in result.output


def test_latin1_with_cookie_keeps_latin1_bytes(tmp_path: Path) -> None:
    root = tree(tmp_path)
    source = "# -*- coding: latin-1 -*-\n# café\n" + LEGACY.replace('"Say hi"', '"Salut, ça va ?"')
    path = root / "latin.py"
    path.write_bytes(source.encode("latin-1"))
    result = invoke("fix", str(root))
    assert result.exit_code == 0, result.output
    data = path.read_bytes()
    assert b"caf\xe9" in data and b"\xe7a va" in data
    assert data.decode("latin-1") == fixed(source)
    assert compiles(data)


def test_bom_and_crlf_are_kept(tmp_path: Path) -> None:
    root = tree(tmp_path)
    path = root / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf" + LEGACY.replace("\n", "\r\n").encode())
    assert invoke("fix", str(root)).exit_code == 0
    data = path.read_bytes()
    assert data == b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode()


def test_mixed_line_endings_are_kept_line_by_line(tmp_path: Path) -> None:
    root = tree(tmp_path)
    lines = LEGACY.splitlines(keepends=True)
    endings = ["\r\n", "\n", "\r", "\r\n", "\n"]
    source = "".join(line.rstrip("\n") + ending for line, ending in zip(lines, endings))
    path = root / "mixed.py"
    path.write_bytes(source.encode())
    assert invoke("fix", str(root)).exit_code == 0
    data = path.read_bytes()
    assert data.startswith(b"from openai import OpenAI\r\n\nclient = OpenAI()\r")
    assert b"chat.completions.create" in data and b"message.content" in data
    assert compiles(data)


def test_tabs_and_form_feeds_are_kept(tmp_path: Path) -> None:
    root = tree(tmp_path)
    source = (
        "from openai import OpenAI\n\x0c\nclient = OpenAI()\n\n"
        "def ask():\n\tif True:\n\t\tr = client.completions.create(model='gpt-3.5-turbo-instruct', prompt='x')\n"
        "\t\treturn r.choices[0].text\n\x0c\n# end\n"
    )
    path = root / "tabs.py"
    path.write_text(source)
    assert invoke("fix", str(root)).exit_code == 0
    data = path.read_text()
    assert data == fixed(source)
    assert "\t\tr = client.chat.completions.create(" in data
    assert data.count("\x0c") == 2 and compiles(data.encode())


def test_a_50000_line_file(tmp_path: Path) -> None:
    # Comment and blank filler: the point is byte-exactness over 50,000 lines, with the
    # call in the middle. (LibCST visits every line's whitespace node: this takes seconds.)
    filler = "".join("# filler line\n" if i % 2 else "\n" for i in range(25_000))
    source = filler + LEGACY + filler
    assert source.count("\n") > 50_000
    path = tmp_path / "long.py"
    path.write_text(source)
    result = invoke("fix", "--diff", str(path))
    # The hunk starts 3 lines above the call. (Its length is not asserted: difflib's
    # autojunk heuristic treats the repeated filler as junk and widens the hunk to the
    # end of the file; migrator/diff.py is not this test's subject.)
    assert "\n@@ -25001," in result.output, result.output[:2000]
    assert invoke("fix", str(path)).exit_code == 0
    assert path.read_text() == filler + FIXED + filler


@pytest.mark.parametrize(
    ("name", "expression"),
    [
        ("nested_lists.py", "[" * 150 + "1" + "]" * 150),  # CPython accepts 200 levels
        ("long_chain.py", " + ".join(["x"] * 1500)),  # a left-leaning tree 1500 deep
        ("nested_calls.py", "f(" * 90 + ")" * 90),
    ],
)
def test_deeply_nested_expressions_are_fixed_or_reported(tmp_path: Path, name: str, expression: str) -> None:
    root = tree(tmp_path)
    path = root / name
    source = LEGACY + f"value = {expression}\n"
    path.write_text(source)
    result = invoke("fix", str(root))
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert good_was_fixed(root)
    problems = errors_for(result, path)
    if problems:  # beyond LibCST's reach: said so, file untouched
        assert len(problems) == 1 and "too deeply nested" in problems[0], problems
        assert path.read_text() == source and result.exit_code >= 1
    else:
        assert path.read_text() == fixed(source)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.py"
    path.write_bytes(b"")
    result = invoke("fix", str(tmp_path))
    assert result.exit_code == 0 and "All checks passed (1 file checked)" in result.output
    assert path.read_bytes() == b""


def test_directory_named_like_a_source_file(tmp_path: Path) -> None:
    root = tree(tmp_path)
    (root / "pkg.py").mkdir()
    (root / "pkg.py" / "inner.py").write_text(LEGACY)
    result = invoke("fix", str(root))
    assert result.exit_code == 0, result.output
    assert (root / "pkg.py" / "inner.py").read_text() == FIXED
    # And if it became a directory after discovery, reading it is one clear error.
    assert process_file(str(root / "pkg.py"), Job(Settings())).error == "is a directory"


def test_fifo_named_like_a_source_file_is_not_read(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    root = tree(tmp_path)
    os.mkfifo(root / "pipe.py")
    result = invoke("fix", str(root))  # would block forever if it opened the FIFO for reading
    assert_reported_and_continued(result, root / "pipe.py", "not a regular file")
    assert good_was_fixed(root)


@pytest.mark.parametrize("explicit", [False, True])
def test_broken_symlink_and_symlink_loop(tmp_path: Path, explicit: bool) -> None:
    root = tree(tmp_path)
    (root / "broken.py").symlink_to(root / "nowhere.py")
    (root / "loop.py").symlink_to(root / "loop.py")
    args = [str(root / "good.py"), str(root / "broken.py"), str(root / "loop.py")] if explicit else [str(root)]
    result = invoke("fix", *args)
    assert len(errors_for(result, root / "broken.py")) == 1
    assert_reported_and_continued(result, root / "broken.py", "broken symbolic link")
    assert_reported_and_continued(result, root / "loop.py", "symbolic link loop")
    assert good_was_fixed(root)


@pytest.mark.skipif(IS_ROOT or sys.platform == "win32", reason="root reads any file regardless of its mode")
def test_unreadable_file_for_real(tmp_path: Path) -> None:
    root = tree(tmp_path)
    secret = root / "secret.py"
    secret.write_text(LEGACY)
    secret.chmod(0)
    try:
        result = invoke("fix", str(root))
    finally:
        secret.chmod(0o644)
    assert_reported_and_continued(result, secret, "cannot read: Permission denied")
    assert secret.read_text() == LEGACY and good_was_fixed(root)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, where chmod 000 does not stop a read: simulate the refusal
    # at the one place the runner reads files.
    root = tree(tmp_path)
    secret = root / "secret.py"
    secret.write_text(LEGACY)

    def read(path: str) -> Snapshot:
        if path.endswith("secret.py"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return read_source(path)

    monkeypatch.setattr(migrator.runner, "read_source", read)
    result = invoke("fix", str(root))
    assert_reported_and_continued(result, secret, "cannot read: Permission denied")
    assert secret.read_text() == LEGACY and good_was_fixed(root)


def test_read_only_file_is_reported_and_never_chmodded(tmp_path: Path) -> None:
    root = tree(tmp_path)
    frozen = root / "frozen.py"
    frozen.write_text(LEGACY)
    frozen.chmod(0o444)
    before = frozen.stat()
    result = invoke("fix", str(root))
    assert_reported_and_continued(result, frozen, "read-only; not written")
    after = frozen.stat()
    assert frozen.read_text() == LEGACY
    assert stat.S_IMODE(after.st_mode) == 0o444
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert good_was_fixed(root)
    assert "frozen.py:4:12: OAI001" in result.output  # the finding stays, unfixed


def test_file_deleted_between_discovery_and_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path)
    gone = root / "gone.py"
    gone.write_text(LEGACY)

    def read(path: str) -> Snapshot:
        if path.endswith("gone.py"):
            os.unlink(path)
        return read_source(path)

    monkeypatch.setattr(migrator.runner, "read_source", read)
    result = invoke("fix", str(root))
    assert_reported_and_continued(result, gone, "cannot read: No such file or directory")
    assert not gone.exists() and good_was_fixed(root)


NEWER = LEGACY.replace("Say hi", "Say hello")


@pytest.mark.parametrize("same_size_and_mtime", [False, True])
def test_file_modified_between_read_and_write_keeps_the_newer_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, same_size_and_mtime: bool
) -> None:
    root = tree(tmp_path)
    edited = root / "edited.py"
    edited.write_text(LEGACY)
    # With the same size and mtime only a comparison of the bytes can see the edit.
    newer = LEGACY.replace("Say hi", "Say yo") if same_size_and_mtime else NEWER
    real_write = migrator.runner.write_atomically

    def write(path: str, data: bytes, original: Snapshot) -> None:
        if path.endswith("edited.py"):  # the user saves in their editor right now
            edited.write_text(newer)
            if same_size_and_mtime:
                os.utime(edited, ns=(original.mtime_ns, original.mtime_ns))
        real_write(path, data, original)

    monkeypatch.setattr(migrator.runner, "write_atomically", write)
    result = invoke("fix", str(root))
    assert_reported_and_continued(result, edited, "changed on disk since it was read; not written")
    assert edited.read_text() == newer
    assert good_was_fixed(root)
    assert sorted(p.name for p in root.iterdir()) == ["edited.py", "good.py"]


def test_disk_full_keeps_the_original_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(tmp_path)
    real_fsync = os.fsync
    calls: list[int] = []

    def fsync(descriptor: int) -> None:
        calls.append(descriptor)
        if len(calls) == 1:  # the first file written hits a full disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(descriptor)

    (root / "a_first.py").write_text(LEGACY)
    monkeypatch.setattr(migrator.files.os, "fsync", fsync)
    result = invoke("fix", str(root))
    assert_reported_and_continued(result, root / "a_first.py", "No space left on device; original kept")
    assert (root / "a_first.py").read_text() == LEGACY
    assert good_was_fixed(root)
    assert sorted(p.name for p in root.iterdir()) == ["a_first.py", "good.py"]


def test_ctrl_c_in_the_middle_of_fix_leaves_every_file_old_or_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"m{i:02}.py" for i in range(20)]
    for name in names:
        (tmp_path / name).write_text(LEGACY)
    real_fsync = os.fsync
    calls: list[int] = []

    def fsync(descriptor: int) -> None:
        calls.append(descriptor)
        if len(calls) == 8:  # Ctrl-C while the 8th file's new bytes are half way to disk
            raise KeyboardInterrupt
        real_fsync(descriptor)

    monkeypatch.setattr(migrator.files.os, "fsync", fsync)
    result = invoke("fix", str(tmp_path))
    assert result.exit_code == 130 and "interrupted" in result.output
    contents = [(tmp_path / name).read_text() for name in names]
    assert all(text in (LEGACY, FIXED) for text in contents)
    assert contents.count(FIXED) == 7
    assert sorted(p.name for p in tmp_path.iterdir()) == names  # no temporary file left


def test_two_fix_runs_on_the_same_tree_at_once(tmp_path: Path) -> None:
    names = [f"f{i:02}.py" for i in range(40)]
    for name in names:
        (tmp_path / name).write_text(LEGACY)
    command = [sys.executable, "-m", "migrator", "fix", "--isolated", "--model", "gpt-4o-mini", "--jobs", "1", "."]
    runs = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate()[0] for run in runs]
    for run, output in zip(runs, outputs):
        assert run.returncode in (0, 1), output
        assert "Traceback" not in output and "internal error" not in output
        # A run that lost a race says so per file; it never writes over the winner.
        for line in output.splitlines():
            if ": error: " in line:
                assert "changed on disk since it was read" in line, line
    assert all((tmp_path / name).read_text() == FIXED for name in names)
    assert sorted(p.name for p in tmp_path.iterdir()) == names


def test_paths_with_spaces_and_non_ascii_names(tmp_path: Path) -> None:
    folder = tmp_path / "my project ✓"
    folder.mkdir()
    names = ["with space.py", "ünïcødé.py", "日本語.py", "emoji 🐍.py"]
    for name in names:
        (folder / name).write_text(LEGACY)
    result = invoke("check", str(folder))
    for name in names:
        assert f"{folder / name}:4:12: OAI001" in result.output
    assert invoke("fix", str(folder)).exit_code == 0
    assert all((folder / name).read_text() == FIXED for name in names)


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs a file system that takes any bytes")
def test_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    root = tree(tmp_path)
    raw = os.path.join(os.fsencode(root), b"caf\xe9.py")
    with open(raw, "wb") as handle:
        handle.write(LEGACY.encode())
    done = subprocess.run(
        [sys.executable, "-m", "migrator", "fix", "--isolated", "--model", "gpt-4o-mini", "--jobs", "1", "."],
        cwd=root,
        capture_output=True,
        check=False,
    )
    assert b"Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    with open(raw, "rb") as handle:
        assert handle.read() == FIXED.encode()


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("[tool.migrator\nselect = ['OAI001']\n", "invalid TOML"),
        ("[tool.migrator]\nselect = ['OAI001'\n", "invalid TOML"),
        ("[tool.migrator]\nunsafe-fixes = 'sure'\n", "'unsafe-fixes' must be true or false"),
        ("[tool.migrator]\nmodel = 'a'\nmodel = 'b'\n", "invalid TOML"),
    ],
)
def test_malformed_pyproject_is_exit_2_naming_file_and_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, fragment: str
) -> None:
    root = tree(tmp_path)
    config = root / "pyproject.toml"
    config.write_text(body)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["fix", "good.py"])
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert "\n" not in message and str(config) in message and fragment in message, message
    assert (root / "good.py").read_text() == LEGACY  # nothing was touched


def test_write_atomically_refuses_a_file_that_vanished(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_text("old\n")
    snapshot = read_source(str(path))
    path.unlink()
    with pytest.raises(migrator.files.WriteRefused, match="cannot stat before writing"):
        write_atomically(str(path), b"new\n", snapshot)
    assert list(tmp_path.iterdir()) == []




@pytest.mark.parametrize(
    ("name", "expression"),
    [
        ("parens.py", "(" * 5000 + "1" + ")" * 5000),
        ("unary.py", "-" * 100_000 + "1"),
        ("lambdas.py", "lambda: " * 5000 + "1"),
        ("long_sum.py", "+".join(["1"] * 20_000)),  # LibCST's parse time grows with its square
    ],
)
def test_nesting_that_crashes_or_stalls_libcst_is_refused_up_front(tmp_path: Path, name: str, expression: str) -> None:
    # LibCST's native parser dies with SIGSEGV on these (taking the whole process with it
    # when files run in-process, as with --jobs 1), or takes minutes; CPython refuses them
    # cleanly. A subprocess, so that a regression fails this test instead of killing pytest.
    root = tree(tmp_path)
    bad = root / name
    bad.write_text(f"# completions\nvalue = {expression}\n")
    done = subprocess.run(
        [sys.executable, "-m", "migrator", "fix", "--isolated", "--model", "gpt-4o-mini", "--jobs", "1", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    lines = [line for line in done.stdout.splitlines() if line.startswith(f"{name}: error: ")]
    assert len(lines) == 1 and ("too deeply nested" in lines[0] or "too many nested" in lines[0]), done.stdout
    assert good_was_fixed(root)
