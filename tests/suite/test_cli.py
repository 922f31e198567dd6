"""The `crm` command: one service's processes by name, the suite's own commands, nothing else."""

from __future__ import annotations

import pytest

from suite import cli


def test_a_service_offers_only_the_processes_it_has(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        cli.main(["contacts", "worker"])
    assert refused.value.code == 2
    usage = capsys.readouterr().err
    assert "{serve,consume,relay,migrate}" in usage and "invalid choice: 'worker'" in usage


def test_an_unknown_command_is_refused_with_the_ones_there_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as refused:
        cli.main(["deploy"])
    assert refused.value.code == 2
    assert "migrate-all" in capsys.readouterr().err
