#!/usr/bin/env python3
"""Where the CPU time of one write goes, per write path: runs each single-answer pgbench script
while `perf record -g` samples the two server backends serving it, and writes profile.md with the
share of those backends' samples spent inside selected functions (inclusive: a function's share
counts everything it calls). Figures from one run on one machine; nothing here asserts a time."""

import argparse
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

import bench

# (label, functions whose inclusive shares add up to it, indent level). Nested rows are parts
# of the row above them; shares are of all samples of the backends serving pgbench.
ROWS = [
    ("parse, analyze and plan the client's statement",
     ["pg_parse_query", "pg_analyze_and_rewrite_fixedparams", "pg_plan_queries"], 0),
    ("executor start-up of the client's statement", ["standard_ExecutorStart"], 0),
    # The check functions' own frames are lost (the server is built without frame pointers);
    # the query each check runs (SPI_execute_snapshot, which nothing else on these paths
    # calls) carries their cost.
    ("foreign-key checks of the answer row (client, option): their queries",
     ["SPI_execute_snapshot"], 0),
    ("segment.answer(): the function (its checks, and the writes it makes)",
     ["pg_segment::api::clients::answer"], 0),
    ("  the client's existence check (only where no answer row is found)",
     ["pg_segment::api::clients::existing_client"], 1),
    ("  the answer row found, locked and written (foreign-key checks included)",
     ["pg_segment::direct::given_answer::AnswerRow::write"], 1),
    ("the hand-written PL/pgSQL trigger", ["plpgsql_exec_trigger"], 0),
    ("pg_segment's answers trigger, all tiers", ["pg_segment::triggers::answers::apply"], 0),
    ("  SQL tiers: the known-delta or set-based statement",
     ["pg_segment::store::answer_deltas::apply_known_delta",
      "pg_segment::store::answer_deltas::apply_set_based"], 1),
    ("direct writes (the trigger's direct tier, segment.answer()): the assignment and history",
     ["pg_segment::direct::writer::SegmentTables::write"], 0),
    ("  executor state for the write (set-up and tear-down)",
     ["pg_segment::direct::executor::Writer::new",
      "<pg_segment::direct::executor::Writer as core::ops::drop::Drop>::drop"], 1),
    ("  rows found by key and locked (the assignment; for segment.answer() the answer too)",
     ["pg_segment::direct::locking::lock_by_key"], 1),
    ("  the assignment updated (and its history row)",
     ["pg_segment::direct::writer::SegmentWrite::update_locked"], 1),
    ("  a first assignment inserted speculatively (and its history row)",
     ["pg_segment::direct::writer::SegmentWrite::insert_first"], 1),
    ("  the history row appended", ["pg_segment::direct::writer::SegmentWrite::append_history"], 1),
    ("index entries written (every table)", ["ExecInsertIndexTuples"], 0),
    ("commit", ["CommitTransactionCommand"], 0),
]

PATHS = [
    # label, pgbench script, extra server options, empty the tables first
    ("plain upsert, no segmentation (steady state)", "upsert_plain.sql", "", False),
    ("PL/pgSQL trigger (steady state)", "upsert_trig.sql", "", False),
    ("pg_segment, SQL upsert, direct tier (steady state)", "upsert_segment.sql", "", False),
    ("pg_segment, SQL upsert, SQL tiers (steady state)", "upsert_segment.sql",
     "-c pg_segment.direct_writes=off", False),
    ("pg_segment, segment.answer() (steady state)", "answer_api.sql", "", False),
    ("pg_segment, SQL upsert, first answers", "upsert_segment.sql", "", True),
    ("pg_segment, segment.answer(), first answers", "answer_api.sql", "", True),
]

LINE = re.compile(r"^\s+([\d.]+)%\s+([\d.]+)%\s+\[[.k]\]\s+(.*?)[\s-]*$")


def shares(perf_data):
    """Inclusive share of samples per symbol, from perf report."""
    out = subprocess.run(
        ["perf", "report", "-i", perf_data, "--children", "--sort", "symbol", "--stdio",
         "-g", "none", "--percent-limit", "0.05"],
        check=True, capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        m = LINE.match(line)
        if m:
            symbol = m.group(3).strip()
            found[symbol] = found.get(symbol, 0.0) + float(m.group(1))
    return found


def share_of(found, names):
    return sum(found.get(name, 0.0) for name in names)


def profile_path(db, script, options, seconds, clients):
    env_options = f"-c synchronous_commit=off {options}".strip()
    with tempfile.TemporaryDirectory() as tmp:
        data = str(Path(tmp) / "perf.data")
        run = subprocess.Popen(
            ["pgbench", "-n", "-c", "2", "-j", "2", "-T", str(seconds), "-D", f"clients={clients}",
             "-f", str(bench.HERE / "pgbench" / script), db.dbname],
            env=dict(os.environ, PGOPTIONS=env_options),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        pids = []
        for _ in range(50):
            time.sleep(0.1)
            pids = [row[0] for row in db.run(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench' "
                "AND datname = current_database()")]
            if len(pids) == 2:
                break
        time.sleep(1)  # past the first statements' catalog look-ups
        subprocess.run(["perf", "record", "-q", "-g", "-o", data, "-p", ",".join(map(str, pids)),
                        "--", "sleep", str(max(seconds - 3, 2))],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out, _ = run.communicate()
        tps = next(float(line.split()[2]) for line in out.splitlines() if line.startswith("tps = "))
        return shares(data), tps


def write_report(results, out, clients, seconds):
    lines = [
        "# Where the time of one write goes",
        "",
        f"`bench/profile.py`: each single-answer pgbench script (2 clients, {seconds} s, "
        f"{clients:,} clients, `synchronous_commit=off`) while `perf record -g` samples the two "
        "backends serving it. Each cell is the share of those backends' CPU samples spent inside "
        "the function(s) of the row, callees included (indented rows are parts of the row above; "
        "rows can overlap, so columns do not add up to 100). What the backend does outside "
        "these rows (reading the client's message, the executor's own nodes, locks, buffer "
        "look-ups of the answer row) is the rest. Figures from one run on one machine.",
        "",
        "| | " + " | ".join(label for label, *_ in PATHS) + " |",
        "|---|" + "---|" * len(PATHS),
        "| TPS during the profile | " + " | ".join(
            f"{results[label][1]:,.0f}" for label, *_ in PATHS) + " |",
    ]
    for label, names, _indent in ROWS:
        cells = []
        for path, *_ in PATHS:
            value = share_of(results[path][0], names)
            cells.append(f"{value:.1f} %" if value >= 0.05 else "·")
        shown = label.replace("  ", "&nbsp;&nbsp;&nbsp;&nbsp;", 1) if label.startswith("  ") else label
        lines.append(f"| {shown} | " + " | ".join(cells) + " |")
    lines.append("")
    out.write_text("\n".join(lines))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=12)
    args = parser.parse_args()
    db = bench.prepare_db("pg_segment_bench_profile", args.clients)
    results = {}
    for label, script, options, empty in PATHS:
        if empty:
            db.run(bench.EMPTY_SETUP["pg_segment"])
            db.run("CHECKPOINT")
        bench.log(f"profiling: {label}")
        results[label] = profile_path(db, script, options, args.seconds, args.clients)
    assert db.one("SELECT count(*) FROM segment.verify('bench')") == 0
    write_report(results, args.out, args.clients, args.seconds)
    bench.log(f"profile: {args.out}")


if __name__ == "__main__":
    main()
