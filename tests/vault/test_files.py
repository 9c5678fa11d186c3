import stat

from vault.files import write_private


def test_it_writes_a_new_file_readable_only_by_its_owner(tmp_path):
    target = tmp_path / "secrets" / "keyring.json"
    write_private(target, "first")
    assert target.read_text(encoding="utf-8") == "first"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700


def test_it_replaces_a_file_whole_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "keyring.json"
    target.write_text("old and longer", encoding="utf-8")
    target.chmod(0o644)
    write_private(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["keyring.json"]
