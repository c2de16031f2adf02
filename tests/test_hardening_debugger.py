"""The debugger and `explain` under hostile input (issue 9 rows 14, 15, bounded command lines, terminal safety)."""

from __future__ import annotations

import os
import resource
import subprocess

import pytest

from conftest import gdasm, gdasm_script

BIG = "9" * 5000


def test_odd_numbers_in_debugger_commands_get_a_message_and_the_session_goes_on():
    """Row 14: superscript digits (isdigit() says yes, int() no), 5,000-digit numbers, x[abc]."""
    commands = ["break ²", "delete ²", "list ³", "explain w ²", f"goto {BIG}", f"step {BIG}", f"list {BIG}",
                f"explain w {BIG}", f"print x[{BIG}]", "explain x[abc]", f"explain x[{BIG}]", f"watch x[{BIG}]",
                "step", "print w"]
    proc = gdasm("debug", "mse_loss", stdin="\n".join(commands) + "\nquit\n")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    replies = proc.stdout.split("(gdasm) ")[1:]
    assert len(replies) == len(commands) + 1  # every command answered, and quit reached
    for command, reply in zip(commands, replies):
        answer = reply.split("\n", 1)[1]
        assert answer.strip(), command
        assert BIG not in answer, (command, answer[:200])  # a reply quotes at most 40 characters of it
    assert replies[-2].split("\n", 1)[1].startswith("w = 0.0")  # the session is alive and well at the end


@pytest.mark.parametrize("target", ["x[abc]", "x[1][2]", f"x[{BIG}]", "x[-1]", "x[²]", BIG])
def test_explain_of_a_bad_target_is_a_usage_error(target):
    """Row 15: exit 64 with a message, never an internal error; the message does not repeat 5,000 digits."""
    proc = gdasm("explain", "mse_loss", target)
    assert proc.returncode == 64 and proc.stderr.startswith("gdasm: error: explain:"), proc.stderr
    assert len(proc.stderr) < 300


def _capped():
    resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))


@pytest.mark.parametrize("source", ["/dev/zero", "long-line"])
def test_debugger_command_lines_are_bounded(tmp_path, source):
    """Row 8: `gdasm debug … </dev/zero` read a line forever; now a line is at most 65,536 characters."""
    path = source
    if source == "long-line":
        path = tmp_path / "cmds.txt"
        path.write_text("step\n" + "p" * 100_000 + "\nquit\n")
    with open(path, "rb") as stdin:
        proc = subprocess.run([gdasm_script(), "debug", "gradient_step"], stdin=stdin, capture_output=True,
                              timeout=30, preexec_fn=_capped, env={**os.environ, "NO_COLOR": "1"})
    err = proc.stderr.decode()
    assert proc.returncode == 66 and "longer than 65,536 characters" in err and "Traceback" not in err, err


def test_control_characters_in_a_program_are_shown_escaped_in_the_debugger(tmp_path):
    p = tmp_path / "esc.gdasm"
    p.write_bytes(b"MOV a, 1  # \x1b[31mred\x1b[0m \xe2\x80\xae evil\nOUT a\n")
    proc = gdasm("debug", str(p), stdin="list\nstep\nexplain a\nquit\n")
    assert "\x1b" not in proc.stdout and "\u202e" not in proc.stdout
    assert "# \\x1b[31mred\\x1b[0m \\u202e evil" in proc.stdout


def test_a_break_with_if_but_no_condition_says_what_a_condition_is():
    proc = gdasm("debug", "mse_loss", stdin="break 5 if\nbreak 14 if   \nbreak 14 if w > 1\ninfo breakpoints\nquit\n")
    replies = [r.split("\n", 1)[1] for r in proc.stdout.split("(gdasm) ")[1:]]
    assert replies[0].startswith("a condition is REG OP VALUE") and replies[1].startswith("a condition is")
    assert replies[2].startswith("breakpoint 1 at line 14") and "no label" not in proc.stdout
