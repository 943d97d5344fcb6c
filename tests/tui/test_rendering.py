"""Tests of the pure card-side helpers: splitting into text, images and the type-in slot,
control-sequence stripping, the media-folder guard, the type-in diff, and audio players."""

from __future__ import annotations

from pathlib import Path

from srs.render import html_to_text
from tui.audio import AudioPlayer, find_player
from tui.rendering import media_path, render_side, strip_control, type_diff
from tui.vault_edit import editor_command


def test_html_side_splits_images_sounds_and_type_slot() -> None:
    side = render_side('Q <img src="a b.png"> mid [sound:x.mp3] [[type:Back]] end', "html")
    assert [p.kind for p in side.parts] == ["text", "image", "text", "type", "text"]
    assert side.parts[1].name == "a b.png"
    assert side.sounds == ("x.mp3",)
    assert side.type_field == "Back"
    assert "[sound" not in side.plain and "[[type" not in side.plain


def test_markdown_side_embeds_and_math() -> None:
    side = render_side("What is $x^2$?\n\n![[diagram.png|200]]\n\n![](pic.jpg)", "markdown")
    assert [p.name for p in side.parts if p.kind == "image"] == ["diagram.png", "pic.jpg"]
    assert "x²" in side.parts[0].text.plain


def test_cloze_on_the_back_is_styled_like_the_engine_renders_it() -> None:
    html = 'The capital is <span class="cloze">Paris</span>.'
    side = render_side(html, "html")
    text = side.parts[0].text
    start = text.plain.index("Paris")
    engine = html_to_text(html).text
    assert [s.style for s in text.spans if s.start <= start < s.end] == [
        s.style for s in engine.spans if s.start <= engine.plain.index("Paris") < s.end
    ]
    assert any(s.start <= start < s.end for s in text.spans)


def test_control_sequences_never_reach_the_screen() -> None:
    nasty = "a\x1b[2J\x1b]0;title\x07b\x9b31mc\x07d"
    assert strip_control(nasty) == "abcd"
    side = render_side(f"<b>{nasty}</b>", "html")
    assert "\x1b" not in side.plain and "\x07" not in side.plain and "\x9b" not in side.plain


def test_media_path_stays_inside_the_media_folder(tmp_path: Path) -> None:
    media = tmp_path / "c.media"
    media.mkdir()
    assert media_path(media, "a.png") == (media / "a.png").resolve()
    for bad in ("../c.db", "/etc/passwd", "", ".", "x\x00y", "sub/../../c.db"):
        assert media_path(media, bad) is None, bad


def test_type_diff_marks_wrong_and_missing_characters() -> None:
    right = type_diff("Paris", "Paris")
    assert right.plain == "Paris" and "↓" not in right.plain
    wrong = type_diff("Pariz", "Paris")
    typed, _, expected = wrong.plain.split("\n")
    assert (typed, expected) == ("Pariz", "Paris")
    styles = {wrong.plain[s.start : s.end]: str(s.style) for s in wrong.spans}
    assert "red" in styles["z"] and "yellow" in styles["s"]
    assert type_diff("", "Paris").plain == "Paris"


def test_find_player_takes_the_first_installed() -> None:
    installed = {"ffplay": "/usr/bin/ffplay", "paplay": "/usr/bin/paplay"}
    command = find_player(installed.get)
    assert command is not None and command[0] == "/usr/bin/ffplay" and "-nodisp" in command
    assert find_player(lambda name: None) is None


def test_player_without_a_program_is_silent(tmp_path: Path) -> None:
    (tmp_path / "a.mp3").write_bytes(b"ID3")
    player = AudioPlayer(tmp_path, command=None)
    player.play(["a.mp3", "missing.mp3", "../escape.mp3"])
    assert player.played == ["a.mp3"]
    player.stop()


def test_player_runs_the_program_without_a_shell(tmp_path: Path) -> None:
    (tmp_path / "a b;rm.mp3").write_bytes(b"ID3")
    out = tmp_path / "args.txt"
    script = tmp_path / "fakeplayer"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{out}"\n')
    script.chmod(0o755)
    player = AudioPlayer(tmp_path, command=[str(script)])
    player.play(["a b;rm.mp3"])
    assert player._process is not None
    player._process.wait(timeout=10)
    assert out.read_text().splitlines() == [str((tmp_path / "a b;rm.mp3").resolve())]


def test_editor_command_opens_the_line() -> None:
    command = editor_command(Path("/v/n.md"), 12, {"EDITOR": "nvim -u NONE"})
    assert command == ["nvim", "-u", "NONE", "+12", "/v/n.md"]
    assert editor_command(Path("/v/n.md"), None, {})[0] == "vi"
