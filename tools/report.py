"""Execute chapter notebooks in place and rebuild the chapter table in README.md.

    python tools/report.py                      # every notebook under chapters/
    python tools/report.py chapters/01_perceptron/01_perceptron.ipynb ...

Each notebook runs top to bottom in a fresh kernel (its folder as working directory,
one CPU thread, as in CI) and is saved with its outputs. The script records the wall
time, the kernel's peak memory and every ``[result] name: value`` line the notebook
printed (see ``common.utils.report_result``) in chapters/results.json, writes the
measured runtime into the notebook's first cell between ``<!-- runtime -->`` markers,
and regenerates the table between the ``<!-- chapter-table -->`` markers of README.md.
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "chapters" / "results.json"
README = ROOT / "README.md"
RESULT_LINE = re.compile(r"^\[result\] (.+?): (.+)$", re.M)
RUNTIME = re.compile(r"<!-- runtime -->.*?<!-- /runtime -->", re.S)
TABLE = re.compile(r"<!-- chapter-table -->.*?<!-- /chapter-table -->", re.S)


CARRIAGE_RETURN = re.compile(r"[^\n]*\r(?=[^\n])")


def tidy_streams(nb) -> None:
    """Store printed text as JupyterLab saves it: a run of stdout (or stderr) messages becomes one
    output, and a line rewritten with carriage returns keeps only its last state, so a progress bar
    is saved finished ("100%|...| 30/30"), not as every intermediate redraw."""
    for cell in nb.cells:
        outputs = []
        for out in cell.get("outputs", []):
            prev = outputs[-1] if outputs else None
            if (out.get("output_type") == "stream" and prev is not None and prev.get("output_type") == "stream"
                    and prev.get("name") == out.get("name")):
                prev["text"] += out["text"]
            else:
                outputs.append(out)
        for out in outputs:
            if out.get("output_type") == "stream":
                out["text"] = CARRIAGE_RETURN.sub("", out["text"].replace("\r\n", "\n"))
        if cell.cell_type == "code":
            cell.outputs = outputs


def execute(path: Path) -> dict:
    """Run one notebook in place (called in a child process so peak memory is its own)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)  # state of widget bars from older runs; the bars are text now
    client = NotebookClient(
        nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False, record_timing=False,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    tidy_streams(nb)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime  # the kernel's CPU time: close to the wall time on an idle machine
    peak = usage.ru_maxrss
    peak_mb = peak / 2**20 if sys.platform == "darwin" else peak / 2**10
    results = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.get("output_type") == "stream" else ""
            results.update(dict(RESULT_LINE.findall(text)))
    first = next(c for c in nb.cells if c.cell_type == "markdown")
    first.source = RUNTIME.sub(
        f"<!-- runtime -->{seconds:.0f} s on 2 CPU cores (one thread), measured by `tools/report.py`<!-- /runtime -->",
        first.source,
    )
    nbformat.write(nb, path)
    title = first.source.strip().splitlines()[0].lstrip("# ").strip()
    return {"title": title, "seconds": round(seconds, 1), "peak_mb": round(peak_mb), "cpu_s": round(cpu, 1),
            "results": results}


def table(results: dict) -> str:
    rows = [
        "| # | chapter | runtime | peak memory | headline results |",
        "|---|---|---|---|---|",
    ]
    for rel in sorted(results):
        r = results[rel]
        if Path(rel).name.startswith("exercises"):
            continue
        number = Path(rel).parent.name.split("_")[0]
        headline = "; ".join(f"{k}: {v}" for k, v in r["results"].items()).replace("|", "\\|") or "—"
        rows.append(f"| {number} | [{r['title']}]({rel}) | {r['seconds']:.0f} s | {r['peak_mb']} MB | {headline} |")
    return "\n".join(rows)


def write_readme_table(results: dict) -> None:
    text = README.read_text(encoding="utf-8")
    block = f"<!-- chapter-table -->\n{table(results)}\n<!-- /chapter-table -->"
    README.write_text(TABLE.sub(lambda _: block, text), encoding="utf-8")  # a function: no escapes in the table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--table-only", action="store_true", help="rebuild the README table from results.json")
    args = parser.parse_args()
    if args.table_only:
        write_readme_table(json.loads(RESULTS.read_text(encoding="utf-8")))
        return 0
    if args.one:
        print(json.dumps(execute(args.one)))
        return 0
    notebooks = [p.resolve() for p in args.notebooks] or sorted(
        p for p in (ROOT / "chapters").glob("*/*.ipynb")
        if ".ipynb_checkpoints" not in p.parts and not p.name.startswith("my_")  # not the learner's own copies
        and not p.name.endswith(".ko.ipynb")  # the Korean edition is built from the English (tools/i18n.py)
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    failed = 0
    for nb in notebooks:
        rel = nb.relative_to(ROOT).as_posix()
        proc = subprocess.run([sys.executable, __file__, "--one", str(nb)], env=env, capture_output=True, text=True)
        if proc.returncode:
            failed += 1
            print(f"FAILED {rel}\n{proc.stderr[-3000:]}", file=sys.stderr)
            continue
        record = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{rel}: {record['seconds']:.0f} s wall, {record.get('cpu_s', 0):.0f} s CPU, {record['peak_mb']} MB, "
              f"{record['results']}")
        with open(RESULTS.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # several report runs may finish at once
            results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
            results[rel] = record
            RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            write_readme_table(results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
