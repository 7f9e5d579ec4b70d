#!/usr/bin/env python3
"""pg_segment benchmarks: pg_segment against no segmentation and against hand-written SQL and
triggers, measured side by side in one run on the local PostgreSQL. Writes results.json,
report.md and chart.png into the output directory. Every figure is also reported as a ratio to
its baseline from the same run; nothing here asserts a time."""

import argparse
import json
import os
import platform
import statistics
import subprocess
import threading
import time
from pathlib import Path

import psycopg

HERE = Path(__file__).resolve().parent
SIZES = {
    # name: clients for the OLTP/COPY set-up, clients for the large re-segmentation, pgbench seconds
    "smoke": {"clients": 2_000, "large": 5_000, "seconds": 2, "rounds": 1, "rounds_heavy": 2},
    # pgbench figures on a 2-core machine drift by ±15 % from run to run: many short rounds in
    # alternating order, and the median, keep one slow stretch from deciding a ratio
    # re-segmentation takes up to a minute per run: fewer rounds, also alternating
    "full": {"clients": 100_000, "large": 1_000_000, "seconds": 12, "rounds": 5, "rounds_heavy": 3},
}


def log(*args):
    print("==", *args, flush=True)


class Db:
    def __init__(self, dbname):
        self.dbname = dbname
        self.conn = psycopg.connect(dbname=dbname, autocommit=True, application_name="pg_segment-bench")

    def run(self, sql, params=None):
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else None

    def one(self, sql, params=None):
        return self.run(sql, params)[0][0]

    def pid(self):
        return self.one("SELECT pg_backend_pid()")


def psql_file(dbname, path, **variables):
    args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dbname, "-f", str(path)]
    for key, value in variables.items():
        args += ["-v", f"{key}={value}"]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def recreate(dbname):
    admin = psycopg.connect(dbname="postgres", autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{dbname}"')
    admin.close()


class PeakMemory:
    """Samples a backend's private memory (RssAnon in /proc) while an operation runs."""

    def __init__(self, pid):
        self.pid, self.peak_kb, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _read(self):
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _sample(self):
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, self._read())
            time.sleep(0.02)

    def __enter__(self):
        self.peak_kb = self._read()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, self._read())


def timed(db, statements, memory=False):
    """Runs statements in one transaction on a fresh backend, so its memory figure is its own;
    returns (seconds, peak RssAnon MiB)."""
    db = Db(db.dbname)
    pid = db.pid()
    watch = PeakMemory(pid) if memory else None
    if watch:
        watch.__enter__()
    started = time.perf_counter()
    with db.conn.transaction():
        for sql in statements:
            db.run(sql)
    elapsed = time.perf_counter() - started
    if watch:
        watch.__exit__(None, None, None)
    db.conn.close()
    return elapsed, (watch.peak_kb / 1024 if watch else None)


def load_setups(db, clients, with_plain):
    """All set-ups start from the same 10 answers per client."""
    if with_plain:
        db.run("INSERT INTO bench.plain_answers (client_id, question_id, option_id) "
               "SELECT client_id, question_id, option_id FROM bench.answer_source")
    # The hand-written set-up is loaded like a DBA would: trigger off, one set-based pass.
    db.run("ALTER TABLE bench.trig_answers DISABLE TRIGGER trig_recompute")
    db.run("INSERT INTO bench.trig_answers (client_id, question_id, option_id) "
           "SELECT client_id, question_id, option_id FROM bench.answer_source")
    db.run((HERE / "sql" / "handwritten_resegment.sql").read_text())
    db.run("ALTER TABLE bench.trig_answers ENABLE TRIGGER trig_recompute")
    db.run("INSERT INTO segment.bench_clients_answers (client_id, question_id, option_id) "
           "SELECT client_id, question_id, option_id FROM bench.answer_source")
    db.run("VACUUM ANALYZE")
    assert db.one("SELECT count(*) FROM bench.trig_assignments") == clients
    assert_same_segments(db)


def assert_same_segments(db):
    """pg_segment and the hand-written baseline must agree on every client."""
    differing = db.one("SELECT count(*) FROM segment.bench_clients_assignments a "
                       "FULL JOIN bench.trig_assignments t USING (client_id) "
                       "WHERE a.score IS DISTINCT FROM t.score OR a.segment IS DISTINCT FROM t.segment")
    assert differing == 0, f"{differing} clients differ between pg_segment and the hand-written baseline"


def pgbench(dbname, script, clients, seconds, options=""):
    env = dict(os.environ, PGOPTIONS=options)
    out = subprocess.run(
        ["pgbench", "-n", "-c", "2", "-j", "2", "-T", str(seconds), "-D", f"clients={clients}",
         "-f", str(HERE / "pgbench" / script), dbname],
        check=True, capture_output=True, text=True, env=env).stdout
    for line in out.splitlines():
        if line.startswith("tps = "):
            return float(line.split()[2])
    raise RuntimeError(f"no tps in pgbench output:\n{out}")


def round_order(names, r):
    """The set-ups of round r: as given in even rounds, reversed in odd ones."""
    return list(names) if r % 2 == 0 else list(reversed(names))


def alternating(names, rounds):
    return [name for r in range(rounds) for name in round_order(names, r)]


# set-up: (pgbench script, extra server options)
UPSERT_SETUPS = {
    "plain": ("upsert_plain.sql", ""),
    "plpgsql": ("upsert_trig.sql", ""),
    "pg_segment": ("upsert_segment.sql", ""),
    # the same extension with its single-answer direct path switched off: every write as SQL
    "pg_segment, SQL path": ("upsert_segment.sql", "-c pg_segment.direct_writes=off"),
    # the call the README shows application code: codes, not ids
    "pg_segment, segment.answer()": ("answer_api.sql", ""),
}


def bench_upserts(dbname, size, results):
    for mode, options in (("synchronous_commit=off", "-c synchronous_commit=off"), ("default", "")):
        tps = {name: [] for name in UPSERT_SETUPS}
        for name in alternating(list(UPSERT_SETUPS), size["rounds"]):
            script, extra = UPSERT_SETUPS[name]
            tps[name].append(pgbench(dbname, script, size["clients"], size["seconds"],
                                     f"{options} {extra}".strip()))
        median = {name: statistics.median(values) for name, values in tps.items()}
        log(f"upserts ({mode}):", {k: round(v) for k, v in median.items()})
        results["upsert"][mode] = {"tps": median, "samples": tps}


# What empties each set-up's tables, so that its writes are first answers again.
EMPTY_SETUP = {
    "plain": "TRUNCATE bench.plain_answers",
    "plpgsql": "TRUNCATE bench.trig_answers, bench.trig_assignments, bench.trig_history",
    "pg_segment": "TRUNCATE segment.bench_clients_answers, segment.bench_clients_assignments, "
                  "segment.bench_clients_history",
}


def bench_first_answers(db, size, results):
    """The same upserts into empty tables (synchronous_commit=off): most writes are a client's
    first answer to a question, and many the client's first answer at all, which inserts its
    assignment. Each round empties the set-up's tables first."""
    tps = {name: [] for name in UPSERT_SETUPS}
    for name in alternating(list(UPSERT_SETUPS), size["rounds"]):
        script, extra = UPSERT_SETUPS[name]
        db.run(EMPTY_SETUP[name.split(",")[0]])
        db.run("CHECKPOINT")
        tps[name].append(pgbench(db.dbname, script, size["clients"], size["seconds"],
                                 f"-c synchronous_commit=off {extra}".strip()))
    assert db.one("SELECT count(*) FROM segment.verify('bench')") == 0
    median = {name: statistics.median(values) for name, values in tps.items()}
    log("first answers (synchronous_commit=off):", {k: round(v) for k, v in median.items()})
    results["first_answers"] = {"tps": median, "samples": tps}


def bench_lookups(dbname, size, results):
    scripts = {"primary key": "lookup_pk.sql", "segment_of": "lookup_segment.sql"}
    tps = {name: [] for name in scripts}
    for name in alternating(list(scripts), size["rounds"]):
        tps[name].append(pgbench(dbname, scripts[name], size["clients"], size["seconds"]))
    median = {name: statistics.median(values) for name, values in tps.items()}
    log("point lookups:", {k: round(v) for k, v in median.items()})
    results["lookup"] = {"tps": median, "samples": tps}


# Rules that make the bench scheme "ruled" without moving most scores: a group with a cap no
# sum reaches over three questions, a required question every client has answered, three
# variants selected by a client column, each with one question of its own (so q8, q9 and q10
# count for a third of the clients each), and a multiple-choice question (payment methods, in
# the group) that the writes do not answer. Every write of a ruled scheme recomputes its client
# from scratch (no deltas).
RULES_ON = [
    "SELECT segment.add_question('bench', 'pay', 'Payment methods', kind => 'multiple')",
    "SELECT segment.add_option('bench', 'pay', m, m, 1) FROM unnest(ARRAY['cash', 'card']) m",
    "SELECT segment.add_group('bench', 'capped', max_points => 999999999)",
    "SELECT segment.set_group('bench', 'pay', 'capped')",
    "SELECT segment.set_group('bench', 'q' || q, 'capped') FROM generate_series(1, 3) q",
    "SELECT segment.set_required('bench', 'q4')",
    "SELECT segment.add_variant('bench', v, 'Variant ' || v, ARRAY[v]) FROM unnest(ARRAY['a', 'b', 'c']) v",
    "SELECT segment.attach('bench', v, 'q' || q) FROM unnest(ARRAY['a', 'b', 'c'], ARRAY[8, 9, 10]) AS t(v, q)",
    "SELECT segment.set_variant_column('bench', 'format')",
]
RULES_OFF = [
    "SELECT segment.set_variant_column('bench', NULL)",
    "DELETE FROM segment.variants",
    "DELETE FROM segment.groups",
    "SELECT segment.set_required('bench', 'q4', false)",
    "DELETE FROM segment.questions WHERE code = 'pay'",
]


def bench_rules(db, size, results):
    """The single-answer upsert and COPY of a ruled scheme (a capped group, a required question,
    three variants) against the same scheme without rules and against no segmentation
    (synchronous_commit=off). The rules are switched on and off between runs (each switch
    re-segments the scheme, outside the timings)."""
    db.run("ALTER TABLE bench.clients ADD COLUMN IF NOT EXISTS format text")
    db.run("UPDATE bench.clients SET format = (ARRAY['a', 'b', 'c'])[1 + id % 3]")
    db.run("VACUUM ANALYZE bench.clients")
    setups = ["plain", "pg_segment", "pg_segment, ruled"]
    scripts = {"plain": "upsert_plain.sql", "pg_segment": "upsert_segment.sql",
               "pg_segment, ruled": "upsert_segment.sql"}
    ruled = False

    def rules(on):
        nonlocal ruled
        if on != ruled:
            for statement in (RULES_ON if on else RULES_OFF):
                db.run(statement)
            ruled = on

    tps = {name: [] for name in setups}
    for name in alternating(setups, size["rounds"]):
        rules(name.endswith("ruled"))
        tps[name].append(pgbench(db.dbname, scripts[name], size["clients"], size["seconds"],
                                 "-c synchronous_commit=off"))
    median = {name: statistics.median(values) for name, values in tps.items()}
    log("upserts, rules:", {k: round(v) for k, v in median.items()})
    path = Path(os.environ.get("PGSEG_RUN_DIR", "/var/tmp/pg_segment")) / "bench-answers.csv"
    db.run(f"COPY (SELECT client_id, question_id, option_id FROM bench.answer_source "
           f"ORDER BY client_id, question_id) TO '{path}' WITH (FORMAT csv)")
    copy = {name: [] for name in setups}
    for name in alternating(setups, size["rounds"]):
        rules(name.endswith("ruled"))
        table = "bench.plain_answers" if name == "plain" else "segment.bench_clients_answers"
        db.run("TRUNCATE bench.plain_answers" if name == "plain" else
               "TRUNCATE segment.bench_clients_answers, segment.bench_clients_assignments, "
               "segment.bench_clients_history")
        db.run("CHECKPOINT")
        elapsed, _ = timed(db, [f"COPY {table} (client_id, question_id, option_id) "
                                f"FROM '{path}' WITH (FORMAT csv)"])
        copy[name].append(elapsed)
        log(f"COPY {size['clients'] * 10} answers, {name}: {elapsed:.2f} s")
    path.unlink(missing_ok=True)
    assert db.one("SELECT count(*) FROM segment.verify('bench')") == 0
    rules(False)
    results["rules"] = {
        "tps": median, "samples": tps, "answers": size["clients"] * 10,
        "copy_seconds": {name: statistics.median(v) for name, v in copy.items()},
        "copy_samples": copy,
    }


# The PL/pgSQL trigger's per-row queries get their cached plans while the truncated tables look
# empty; a sequential-scan plan kept from then makes its load quadratic (seen: over 15 minutes
# instead of 90 s). Forced index plans, as statistics of a loaded table would give, keep it
# stable (if dearer for the small configuration tables); without JIT, which the disabled scans'
# costs would otherwise switch on for every row.
PLPGSQL_COPY_SETTINGS = ["SET LOCAL enable_seqscan = off", "SET LOCAL jit = off"]


def bench_copy(db, size, results):
    """COPY into empty tables. Plain and pg_segment alternate over the rounds and the median
    counts: one COPY on this machine drifts by ±20 %, and in some backends and not others the
    foreign-key checks of a PostgreSQL 15 COPY spend up to 2 s more per million rows in
    ResourceOwnerRememberTupleDesc (perf), whichever the table and its triggers.
    The PL/pgSQL trigger, far off either, loads once."""
    path = Path(os.environ.get("PGSEG_RUN_DIR", "/var/tmp/pg_segment")) / "bench-answers.csv"
    db.run(f"COPY (SELECT client_id, question_id, option_id FROM bench.answer_source "
           f"ORDER BY client_id, question_id) TO '{path}' WITH (FORMAT csv)")
    targets = {
        "plain": ("TRUNCATE bench.plain_answers", "bench.plain_answers"),
        "plpgsql": ("TRUNCATE bench.trig_answers, bench.trig_assignments, bench.trig_history", "bench.trig_answers"),
        "pg_segment": ("TRUNCATE segment.bench_clients_answers, segment.bench_clients_assignments, "
                       "segment.bench_clients_history", "segment.bench_clients_answers"),
    }
    samples = {name: [] for name in targets}
    memory = {name: 0.0 for name in targets}
    for name in ["plpgsql"] + alternating(["plain", "pg_segment"], size["rounds"]):
        truncate, table = targets[name]
        db.run(truncate)
        db.run("CHECKPOINT")
        copy = f"COPY {table} (client_id, question_id, option_id) FROM '{path}' WITH (FORMAT csv)"
        statements = PLPGSQL_COPY_SETTINGS + [copy] if name == "plpgsql" else [copy]
        elapsed, peak = timed(db, statements, memory=True)
        samples[name].append(elapsed)
        memory[name] = max(memory[name], peak)
        log(f"COPY {size['clients'] * 10} answers, {name}: {elapsed:.2f} s, peak {peak:.1f} MiB")
    assert db.one("SELECT count(*) FROM segment.verify('bench')") == 0
    path.unlink(missing_ok=True)
    seconds = {name: statistics.median(values) for name, values in samples.items()}
    results["copy"] = {"answers": size["clients"] * 10, "seconds": seconds, "peak_mib": memory,
                       "samples": samples}


# Each change is made in alternating directions (up, back down, up …), so every round
# re-segments the same clients.
LEVEL_SHIFT = {
    "pg_segment": "UPDATE segment.levels SET min_score = min_score + {d}, max_score = max_score + {d} "
                  "WHERE scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'bench')",
    "handwritten": "UPDATE bench.levels SET min_score = min_score + {d}, max_score = max_score + {d}",
}
WEIGHT_CHANGE = {
    "pg_segment": "UPDATE segment.questions SET weight = weight + {w} WHERE code = 'q1' "
                  "AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'bench')",
    "handwritten": "UPDATE bench.questions SET weight = weight + {w} WHERE code = 'q1'",
}
# the points of one option (option 1 of question 1); the hand-written baseline recomputes
POINTS_CHANGE = {
    "pg_segment": "UPDATE segment.options SET points = points + {d} WHERE option_id = 1",
    "handwritten": "UPDATE bench.options SET points = points + {d} WHERE option_id = 1",
}


def bench_resegment(db, clients, size, results):
    """A level change, a weight change and a points change, over alternating rounds; the median
    time and the highest peak memory count. The hand-written baseline recomputes every client
    each time; pg_segment moves only the clients a weight or points change touches."""
    handwritten = (HERE / "sql" / "handwritten_resegment.sql").read_text()
    out = {}
    changes = (("level change", LEVEL_SHIFT), ("weight change", WEIGHT_CHANGE),
               ("points change", POINTS_CHANGE))
    for change_name, change in changes:
        samples = {"pg_segment": [], "handwritten": []}
        memory = {"pg_segment": 0.0, "handwritten": 0.0}
        for r in range(size["rounds_heavy"]):
            direction = 1 if r % 2 == 0 else -1
            db.run("VACUUM ANALYZE")
            for name in round_order(["pg_segment", "handwritten"], r):
                sql = change[name].format(d=3 * direction, w=0.5 * direction)
                statements = [sql, handwritten] if name == "handwritten" else [sql]
                db.run("CHECKPOINT")
                elapsed, peak = timed(db, statements, memory=True)
                samples[name].append(elapsed)
                memory[name] = max(memory[name], peak)
            assert_same_segments(db)
        seg_s, hand_s = statistics.median(samples["pg_segment"]), statistics.median(samples["handwritten"])
        log(f"re-segment {clients} clients after a {change_name}: pg_segment {seg_s:.2f} s "
            f"({memory['pg_segment']:.1f} MiB), hand-written {hand_s:.2f} s ({memory['handwritten']:.1f} MiB)")
        out[change_name] = {"pg_segment": seg_s, "handwritten": hand_s, "peak_mib": memory,
                            "samples": samples}
    out["points change"]["chosen_by"] = float(db.one(
        "SELECT round(count(*)::numeric / (SELECT count(*) FROM bench.clients), 3) "
        "FROM segment.bench_clients_answers WHERE option_id = 1"))
    results["resegment"][str(clients)] = out


DRAFT_WEIGHT = ("UPDATE segment.questions SET weight = weight + {w} WHERE code = 'q1' "
                "AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'bench@draft')")


def timed_row(db, sql):
    """One statement on a fresh backend: (seconds, its first row, peak RssAnon MiB)."""
    fresh = Db(db.dbname)
    watch = PeakMemory(fresh.pid())
    with watch:
        started = time.perf_counter()
        row = fresh.run(sql)[0]
        elapsed = time.perf_counter() - started
    fresh.conn.close()
    return elapsed, row, watch.peak_kb / 1024


def bench_drafts(db, clients, size, results):
    """A draft that changes the weight of q1 (one of ten questions): segment.preview and
    segment.preview_transitions against segment.publish of the same draft (the re-segmentation
    the preview previews) and against the same weight change made to the live scheme directly
    (which moves only the clients that answered q1). Each round previews and publishes +w, then
    changes the live weight back by -w; the direction alternates. Then segment.transitions over
    a history of ten rows per client."""
    out = {"clients": clients, "preview": [], "preview_transitions": [], "publish": [],
           "live weight change": [], "peak_mib": {}, "moved": []}
    peaks = {"preview": 0.0, "publish": 0.0}
    for r in range(size["rounds_heavy"]):
        w = 0.5 if r % 2 == 0 else -0.5
        db.run("SELECT segment.create_draft('bench')")
        db.run(DRAFT_WEIGHT.format(w=w))
        db.run("CHECKPOINT")
        elapsed, row, peak = timed_row(
            db, "SELECT count(*), count(*) FILTER (WHERE current_segment IS DISTINCT FROM draft_segment) "
                "FROM segment.preview('bench@draft')")
        out["preview"].append(elapsed)
        peaks["preview"] = max(peaks["preview"], peak)
        previewed_moves = row[1]
        elapsed, _, _ = timed_row(db, "SELECT count(*) FROM segment.preview_transitions('bench@draft')")
        out["preview_transitions"].append(elapsed)
        db.run("CHECKPOINT")
        elapsed, row, peak = timed_row(db, "SELECT segment.publish('bench@draft')")
        out["publish"].append(elapsed)
        peaks["publish"] = max(peaks["publish"], peak)
        assert row[0] == previewed_moves, (row[0], previewed_moves)
        out["moved"].append(previewed_moves)
        db.run("VACUUM ANALYZE")
        db.run("CHECKPOINT")
        elapsed, _ = timed(db, [WEIGHT_CHANGE["pg_segment"].format(w=-w)])
        out["live weight change"].append(elapsed)
    out["peak_mib"] = peaks
    med = {k: statistics.median(out[k]) for k in ("preview", "preview_transitions", "publish",
                                                   "live weight change")}
    log(f"draft of a weight change over {clients} clients: preview {med['preview']:.2f} s, "
        f"matrix {med['preview_transitions']:.2f} s, publish {med['publish']:.2f} s, the same change "
        f"made live {med['live weight change']:.2f} s; {out['moved']} clients moved")
    out["median"] = med
    assert db.one("SELECT count(*) FROM segment.verify('bench')") == 0
    # segment.transitions over a history of ten rows per client, spread over a year
    db.run("INSERT INTO segment.bench_clients_history (scheme_id, client_id, changed_at, old_score, "
           "new_score, old_segment, new_segment, cause, version) "
           "SELECT s.scheme_id, c.id, timestamptz '2025-01-01' + (n * 36 + c.id % 30) * interval '1 day', "
           "n, n + 1, (ARRAY['D','C','B','A'])[1 + (c.id + n) % 4], (ARRAY['D','C','B','A'])[1 + (c.id + n + 1) % 4], "
           "'bench', 1 "
           "FROM bench.clients c, generate_series(0, 9) n, segment.schemes s WHERE s.name = 'bench'")
    db.run("VACUUM ANALYZE segment.bench_clients_history")
    rows = db.one("SELECT count(*) FROM segment.bench_clients_history")
    samples = []
    for _ in range(size["rounds_heavy"]):
        elapsed, _, _ = timed_row(db, "SELECT count(*) FROM segment.transitions('bench', "
                                      "'2025-03-01', '2025-09-01')")
        samples.append(elapsed)
    out["transitions"] = {"history_rows": rows, "samples": samples,
                          "median": statistics.median(samples)}
    log(f"segment.transitions over {rows} history rows: {statistics.median(samples):.2f} s")
    results["drafts"] = out


# Parameters: an UPDATE of one customer (a column a parameter reads, or another one) on the
# scored table against the same table without a scheme; name: (pgbench script, extra server
# options). The SQL path is the same UPDATE with the direct write turned off.
PARAM_UPDATES = {
    "parameter column, pg_segment": ("params_update_parameter.sql", ""),
    "parameter column, pg_segment SQL path": ("params_update_parameter.sql",
                                              "-c pg_segment.direct_writes=off"),
    "parameter column, no scheme": ("params_update_parameter_plain.sql", ""),
    "other column, pg_segment": ("params_update_other.sql", ""),
    "other column, no scheme": ("params_update_other_plain.sql", ""),
}


def bench_parameters(size, results):
    """Parameters over `large` customers: (b) COPY of one order per customer into a table two
    parameters aggregate (sum, count) against the same COPY into a plain table; (c)
    segment.refresh of every customer against the hand-written set-based recompute of the same
    three parameters; (a) single-customer UPDATEs (pgbench, synchronous_commit=off) of a
    parameter column and of another column, against the same table with no scheme."""
    clients = size["large"]
    dbname = "pg_segment_bench_params"
    log(f"preparing {dbname} with {clients} customers")
    recreate(dbname)
    psql_file(dbname, HERE / "sql" / "params_setup.sql", clients=clients)
    db = Db(dbname)
    out = {"clients": clients}

    path = Path(os.environ.get("PGSEG_RUN_DIR", "/var/tmp/pg_segment")) / "bench-orders.csv"
    db.run(f"COPY (SELECT 1 + (g::bigint * 7919) % {clients}, 10 + g % 900, DATE '2026-01-01' + g % 300 "
           f"FROM generate_series(1, {clients}) g) TO '{path}' WITH (FORMAT csv)")
    tables = {"pg_segment": "bench_params.orders", "plain": "bench_params.plain_orders"}
    samples = {name: [] for name in tables}
    for name in alternating(["plain", "pg_segment"], size["rounds"]):
        db.run(f"TRUNCATE {tables[name]}")
        db.run("CHECKPOINT")
        elapsed, _ = timed(db, [f"COPY {tables[name]} (customer_id, amount, ordered_at) FROM '{path}' "
                                "WITH (FORMAT csv)"])
        samples[name].append(elapsed)
        log(f"COPY {clients} orders, {name}: {elapsed:.2f} s")
    path.unlink(missing_ok=True)
    assert db.one("SELECT count(*) FROM segment.verify('params')") == 0
    out["copy"] = {"orders": clients, "samples": samples,
                   "seconds": {name: statistics.median(v) for name, v in samples.items()}}

    handwritten = (HERE / "sql" / "params_handwritten_refresh.sql").read_text()
    db.run(handwritten)  # its scores table filled once, as segment's assignments are
    samples = {"pg_segment": [], "handwritten": []}
    for name in alternating(["pg_segment", "handwritten"], size["rounds_heavy"]):
        db.run("VACUUM ANALYZE")
        db.run("CHECKPOINT")
        statement = "SELECT segment.refresh('params')" if name == "pg_segment" else handwritten
        elapsed, _ = timed(db, [statement])
        samples[name].append(elapsed)
        log(f"refresh of {clients} customers, {name}: {elapsed:.2f} s")
    out["refresh"] = {"samples": samples,
                      "seconds": {name: statistics.median(v) for name, v in samples.items()}}

    tps = {name: [] for name in PARAM_UPDATES}
    for name in alternating(list(PARAM_UPDATES), size["rounds"]):
        script, options = PARAM_UPDATES[name]
        tps[name].append(pgbench(dbname, script, clients, size["seconds"],
                                 f"-c synchronous_commit=off {options}"))
    out["updates"] = {"samples": tps, "tps": {name: statistics.median(v) for name, v in tps.items()}}
    log("single-customer updates (synchronous_commit=off):",
        {k: round(v) for k, v in out["updates"]["tps"].items()})
    assert db.one("SELECT count(*) FROM segment.verify('params')") == 0
    db.conn.close()
    results["parameters"] = out


def prepare_db(dbname, clients, with_plain=True):
    log(f"preparing {dbname} with {clients} clients")
    recreate(dbname)
    psql_file(dbname, HERE / "sql" / "setup.sql", clients=clients)
    db = Db(dbname)
    load_setups(db, clients, with_plain)
    return db


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, default="full")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--parameters-only", action="store_true",
                        help="only the parameters benchmark, printed (for trying it alone)")
    parser.add_argument("--upserts-only", action="store_true",
                        help="only the upsert comparisons, written to stock.json (for the "
                             "stock-configuration cluster bench/run.sh starts)")
    parser.add_argument("--remeasure", choices=tuple(REMEASURED),
                        help="measure again only some sections (resegment-copy: the "
                             "re-segmentation at both sizes and COPY; parameters: the parameters "
                             "section; upserts: the project cluster's upserts, first answers "
                             "included, and the point lookups; rules: a ruled scheme's upserts "
                             "and COPY; drafts: preview, publish and transitions), into the results.json already "
                             "in --out; the report names them and the date they were measured "
                             "again")
    args = parser.parse_args()
    size = SIZES[args.size]
    if args.remeasure:
        return remeasure(args.remeasure, size, args.out)
    if args.upserts_only:
        return upserts_only(size, args.out)
    if args.parameters_only:
        results = {}
        bench_parameters(size, results)
        print(json.dumps(results["parameters"], indent=2))
        return None
    results = {"size": args.size, "clients": size["clients"], "large": size["large"],
               "pgbench_seconds": size["seconds"], "rounds": size["rounds"],
               "rounds_heavy": size["rounds_heavy"],
               "machine": f"{platform.machine()}, {os.cpu_count()} cores",
               "upsert": {}, "resegment": {}}
    started = time.time()

    db = prepare_db("pg_segment_bench", size["clients"])
    results["postgres"] = db.one("SHOW server_version")
    results["settings"] = cluster_settings(db)
    # Re-segmentation first, while both set-ups hold the same answers; COPY reloads them.
    bench_resegment(db, size["clients"], size, results)
    bench_copy(db, size, results)
    bench_upserts(db.dbname, size, results)
    bench_lookups(db.dbname, size, results)
    bench_first_answers(db, size, results)
    bench_rules(db, size, results)
    # the from-scratch check of every assignment, once, after all of the above
    assert db.one("SELECT count(*) FROM segment.verify('bench')") == 0
    db.conn.close()

    big = prepare_db("pg_segment_bench_large", size["large"], with_plain=False)
    bench_resegment(big, size["large"], size, results)
    bench_drafts(big, size["large"], size, results)
    big.conn.close()

    bench_parameters(size, results)

    results["total_seconds"] = time.time() - started
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    import report
    report.write(results, args.out)
    log(f"report written to {args.out / 'report.md'} in {results['total_seconds']:.0f} s")


def remeasure_resegment_copy(size, results):
    """Re-segmentation at both sizes and COPY; returns a database of the large size, for the
    cluster's settings."""
    db = prepare_db("pg_segment_bench", size["clients"])
    results["resegment"] = {}
    bench_resegment(db, size["clients"], size, results)
    bench_copy(db, size, results)
    assert db.one("SELECT count(*) FROM segment.verify('bench')") == 0
    db.conn.close()
    big = prepare_db("pg_segment_bench_large", size["large"], with_plain=False)
    bench_resegment(big, size["large"], size, results)
    return big


def remeasure_parameters(size, results):
    """The parameters section; returns its database, for the cluster's settings."""
    bench_parameters(size, results)
    return Db("pg_segment_bench_params")


def remeasure_upserts(size, results):
    """The single-answer upserts on the project cluster, steady and first answers, and the
    point lookups; returns their database, for the cluster's settings."""
    db = prepare_db("pg_segment_bench", size["clients"])
    results["upsert"] = {}
    bench_upserts(db.dbname, size, results)
    bench_lookups(db.dbname, size, results)
    bench_first_answers(db, size, results)
    return db


def remeasure_drafts(size, results):
    """Draft preview and publish, and segment.transitions, at the large size."""
    big = prepare_db("pg_segment_bench_large", size["large"], with_plain=False)
    bench_drafts(big, size["large"], size, results)
    return big


def remeasure_rules(size, results):
    """The rules section; returns its database, for the cluster's settings."""
    db = prepare_db("pg_segment_bench", size["clients"])
    bench_rules(db, size, results)
    return db


# --remeasure choice: (the sections it measures, as the report names them; the function)
REMEASURED = {
    "resegment-copy": (["re-segmentation", "COPY"], remeasure_resegment_copy),
    "parameters": (["parameters"], remeasure_parameters),
    "upserts": (["upserts (project cluster)", "point lookups"], remeasure_upserts),
    "rules": (["rules"], remeasure_rules),
    "drafts": (["drafts"], remeasure_drafts),
}


def remeasure(choice, size, out):
    """Some sections measured again, replacing those of the results already in `out` (a full
    run's); the rest stays as that run measured it. The report lists every re-measurement."""
    path = out / "results.json"
    results = json.loads(path.read_text())
    started = time.time()
    sections, measure = REMEASURED[choice]
    db = measure(size, results)
    earlier = results.get("remeasured", [])
    if isinstance(earlier, dict):  # (one re-measurement, as the first version recorded it)
        earlier = [dict(earlier, choice="resegment-copy")]
    results["remeasured"] = [e for e in earlier if e.get("choice") != choice] + [{
        "choice": choice,
        "sections": sections,
        "date": time.strftime("%Y-%m-%d"),
        "seconds": round(time.time() - started),
        "settings": cluster_settings(db),
    }]
    db.conn.close()
    path.write_text(json.dumps(results, indent=2) + "\n")
    import report
    report.write(results, out)
    log(f"report written to {out / 'report.md'}")


def cluster_settings(db):
    """The settings of a cluster that decide most of these figures."""
    return {name: db.one(f"SHOW {name}")
            for name in ("shared_buffers", "max_wal_size", "checkpoint_timeout")}


def upserts_only(size, out):
    """Steady-state and first-answer upserts on the cluster the environment names."""
    results = {"clients": size["clients"], "upsert": {}}
    db = prepare_db("pg_segment_bench_upserts", size["clients"])
    results["postgres"] = db.one("SHOW server_version")
    results["settings"] = cluster_settings(db)
    bench_upserts(db.dbname, size, results)
    bench_first_answers(db, size, results)
    db.conn.close()
    out.mkdir(parents=True, exist_ok=True)
    (out / "stock.json").write_text(json.dumps(results, indent=2) + "\n")
    log(f"upserts written to {out / 'stock.json'}")


if __name__ == "__main__":
    main()
