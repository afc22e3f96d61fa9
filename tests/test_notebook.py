"""Issue 16: the example notebook (``tests/notebooks/triage.ipynb``) runs top to bottom in a real
Jupyter kernel with nbclient — the README's notebook calls, then events filtered by level, errors
per hour plotted, findings joined with extensions — and finds the VMSnapshot failure rows."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "tests" / "notebooks" / "triage.ipynb"

nbformat = pytest.importorskip("nbformat", reason="nbformat is in the test extras: pip install -e '.[test]'")
nbclient = pytest.importorskip("nbclient", reason="nbclient is in the test extras: pip install -e '.[test]'")


def _execute() -> object:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(REPO)}})
    from jupyter_client.kernelspec import NoSuchKernel
    try:
        client.execute()
    except NoSuchKernel as exc:
        pytest.skip(f"no 'python3' Jupyter kernel is installed (pip install ipykernel): {exc}")
    except (nbclient.exceptions.DeadKernelError, TimeoutError) as exc:
        pytest.skip(f"the Jupyter kernel could not be started here: {type(exc).__name__}: {exc}")
    return notebook


def _text(cell: object) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        data = out.get("data", {})
        parts.append(data.get("text/html", "") if "text/html" in data else data.get("text/plain", ""))
    return "".join(parts)


@pytest.fixture(scope="module")
def notebook() -> object:
    return _execute()


def test_every_cell_runs_without_error(notebook) -> None:
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert len(code) >= 7
    assert all(c.get("execution_count") for c in code)
    assert not [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]


def test_the_answer_renders_as_html_and_the_frames_show(notebook) -> None:
    code = [c for c in notebook.cells if c.cell_type == "code"]
    answer = _text(code[0])
    assert "Most likely cause: the VM has no outbound network access" in answer
    assert "no_network" in _text(code[1]) and "ruled_out" in _text(code[2])


def test_it_plots_errors_per_hour_and_finds_the_vmsnapshot_failure_rows(notebook) -> None:
    code = [c for c in notebook.cells if c.cell_type == "code"]
    plot = code[4]
    assert any("image/png" in o.get("data", {}) for o in plot.get("outputs", []))
    last = _text(code[-1])
    count = int(re.search(r"(\d+) VMSnapshot error records", last).group(1))
    assert count > 0 and "Enable failed" in last
    assert "Microsoft.Azure.RecoveryServices.VMSnapshotLinux" in _text(code[5])
