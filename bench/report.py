"""Turns results.json into report.md (tables of figures and ratios against the targets) and
chart.png. The targets are the project's; whether a run meets them is reported, not asserted."""

import json
import sys
from pathlib import Path


def ratio_row(name, value, target, meets):
    return f"| {name} | {value:.3f} | {target} | {'yes' if meets else '**no**'} |"


API = "pg_segment, segment.answer()"


def upsert_targets(label, steady, first):
    """The upsert ratio rows of one cluster: steady state and first answers
    (synchronous_commit=off), with their targets."""
    rows = []

    def add(name, value, bound):
        rows.append(ratio_row(f"{label}: {name}", value, f"≥ {bound:.2f}", value >= bound))

    add("steady state, SQL upsert into pg_segment / plain", steady["pg_segment"] / steady["plain"], 0.75)
    add("steady state, SQL upsert into pg_segment / PL/pgSQL trigger",
        steady["pg_segment"] / steady["plpgsql"], 1.5)
    add("steady state, segment.answer() / SQL upsert into pg_segment",
        steady[API] / steady["pg_segment"], 0.9)
    add("steady state, segment.answer() / plain", steady[API] / steady["plain"], 0.65)
    add("steady state, segment.answer() / PL/pgSQL trigger", steady[API] / steady["plpgsql"], 1.3)
    if first:
        add("first answers, SQL upsert into pg_segment / plain", first["pg_segment"] / first["plain"], 0.65)
        add("first answers, SQL upsert into pg_segment / PL/pgSQL trigger",
            first["pg_segment"] / first["plpgsql"], 1.4)
        add("first answers, segment.answer() / plain", first[API] / first["plain"], 0.6)
    return rows


def upsert_table(steady, first):
    names = list(steady)
    lines = ["| set-up | steady state | first answers |", "|---|---|---|"]
    for name in names:
        f = f"{first[name]:,.0f}" if first and name in first else "—"
        lines.append(f"| {name} | {steady[name]:,.0f} | {f} |")
    return lines


def parameter_section(params):
    up, copy, refresh = params["updates"]["tps"], params["copy"]["seconds"], params["refresh"]["seconds"]
    return [
        f"## Parameters ({params['clients']:,} customers)",
        "",
        "A scheme with a parameter over the customer's row (`employees`, three ranges) and two over "
        "its orders (`sum(amount)`, `count(*)`); the baselines are the same tables with no scheme, "
        "and for `segment.refresh` the hand-written statement a DBA would write "
        "(`bench/sql/params_handwritten_refresh.sql`: every customer's points from its row and a "
        "GROUP BY of the orders, upserted where they changed). The refresh runs in a steady state: "
        "both re-evaluate every customer and find nothing changed, so the figure is the cost of "
        "the evaluation itself.",
        "",
        "| measure | pg_segment | baseline |",
        "|---|---|---|",
        f"| UPDATE of `employees` of one customer, TPS | {up['parameter column, pg_segment']:,.0f} | "
        f"{up['parameter column, no scheme']:,.0f} |",
        *([f"| the same UPDATE with `pg_segment.direct_writes = off` (the SQL path), TPS | "
           f"{up['parameter column, pg_segment SQL path']:,.0f} | "
           f"{up['parameter column, no scheme']:,.0f} |"]
          if "parameter column, pg_segment SQL path" in up else []),
        f"| UPDATE of `note` (read by no parameter), TPS | {up['other column, pg_segment']:,.0f} | "
        f"{up['other column, no scheme']:,.0f} |",
        f"| COPY of {params['copy']['orders']:,} orders, s | {copy['pg_segment']:.2f} | {copy['plain']:.2f} |",
        f"| refresh of every customer, s | {refresh['pg_segment']:.2f} | {refresh['handwritten']:.2f} |",
        "",
        *([params["note"], ""] if params.get("note") else []),
        "Where the time goes. The COPY gives every customer one order, so every customer's "
        "assignment is rewritten and gets a history row. With 200,000 customers (`auto_explain`), "
        "the trigger's one statement took 4.2 s: 1.3 s evaluating the parameters from the "
        "transition table, 0.5 s finding what changed, 1.3 s upserting the assignments and "
        "1.0 s appending the history, against 0.45 s for the plain COPY: the two writes "
        "alone cost several plain COPYs, so ≤ 1.3× is out of reach for a load that moves every "
        "customer. An UPDATE of one customer's `employees` evaluates that customer's parameters "
        "with one kept read-only statement (the customer's row by key, an aggregate over its "
        "orders by index) and writes its assignment and history row directly, as the "
        "single-answer direct path writes them. `perf`, by hand on 100,000 customers "
        "(2026-11-30): pg_segment's trigger took 40 % of the backend's samples, the evaluation "
        "statement 22 % of them (half of it starting its plan), the assignment and history "
        "writes 15 %; the rest of the gap is the trigger's queue and the larger commit. "
        "≥ 0.7× would leave pg_segment less than half the time the UPDATE itself takes, "
        "for a read of the orders and two more row writes.",
        "",
    ]


def rules_section(rules):
    """A ruled scheme (a capped group, a required question) against the same scheme without
    rules and against no segmentation."""
    tps, copy = rules["tps"], rules["copy_seconds"]
    return [
        "## Rules: a scheme with a capped group, a required question, three variants and a "
        "multiple-choice question",
        "",
        "The bench scheme made ruled by a group over three questions (a cap no sum reaches), a "
        "required question every client answered, three variants selected by a client column "
        "(q8, q9 and q10 each count for one of them) and a multiple-choice question in the group "
        "that the writes leave unanswered (from the run of 2026-12-01 on; "
        "earlier runs had none): every write recomputes its client from "
        "scratch after locking the client's row, where the scheme without rules adds a delta (or "
        "takes the direct path). A single answer's recompute is direct too: two kept statements "
        "lock the client and read its answers, the engine assesses it with the compiled scheme and "
        "the single-row writer writes it; a COPY's clients are recomputed by one SQL statement. "
        "Single-answer upserts (pgbench TPS, "
        "synchronous_commit=off, medians of alternating rounds; the rules are switched on and off "
        f"between runs) and COPY of {rules['answers']:,} answers into empty tables (seconds, "
        "medians):",
        "",
        "| set-up | upsert TPS | TPS / plain | COPY s | COPY time / plain |",
        "|---|---|---|---|---|",
        *[f"| {name} | {tps[name]:,.0f} | {tps[name] / tps['plain']:.2f} | {copy[name]:.2f} | "
          f"{copy[name] / copy['plain']:.2f} |" for name in tps],
        "",
        "Targets of the scheme without rules (upsert ≥ 0.75× plain, COPY ≤ 1.15× plain) are not met "
        "by the ruled scheme; this section measures how far it is from them.",
        "",
    ]


def drafts_section(drafts):
    """segment.preview against the publish it previews, and segment.transitions."""
    med, peak = drafts["median"], drafts["peak_mib"]
    t = drafts["transitions"]
    return [
        f"## Draft, preview, publish ({drafts['clients']:,} clients)",
        "",
        "A draft of the bench scheme changes the weight of q1 (one of ten questions, answered by "
        "every client). `segment.preview` computes every client's score and segment under the "
        "draft in one read-only statement; `segment.publish` makes the draft live and "
        "re-segments every client from scratch in one transaction (the re-segmentation the "
        "preview previews); the same weight change made to the live scheme directly moves only "
        "the clients that answered q1, by Δweight × points. Seconds, medians of "
        f"{len(drafts['preview'])} rounds (direction alternating); clients that changed segment "
        f"per round: {', '.join(f'{m:,}' for m in drafts['moved'])} (publish returned exactly the "
        "number preview showed, every round).",
        "",
        "| operation | seconds | peak MiB |",
        "|---|---|---|",
        f"| segment.preview (every changed client) | {med['preview']:.2f} | {peak['preview']:.1f} |",
        f"| segment.preview_transitions (the matrix) | {med['preview_transitions']:.2f} | |",
        f"| segment.publish | {med['publish']:.2f} | {peak['publish']:.1f} |",
        f"| the weight change made live (UPDATE segment.questions) | {med['live weight change']:.2f} | |",
        "",
        "Every client answered q1, so every client's score changes and `segment.preview` "
        "returns a row for each: its statement is the publish's own computation plus a sort of the "
        "changed clients by key, and the function collects its rows before returning them, which "
        "is its peak memory (to be streamed). The matrix needs neither and costs what the publish does.",
        "",
        f"`segment.transitions` over a history of {t['history_rows']:,} rows (ten per client, over a "
        f"year, plus what the re-segmentation runs before wrote), for a six-month window: "
        f"{t['median']:.2f} s (median).",
        "",
    ]


def remeasured_note(results):
    """Which sections later `bench.py --remeasure` runs measured again, and under what."""
    again = results.get("remeasured")
    if not again:
        return ""
    if isinstance(again, dict):  # (one re-measurement, as the first version recorded it)
        again = [dict(again, choice="resegment-copy")]
    notes = []
    for entry in again:
        settings = ", ".join(f"{k} = {v}" for k, v in entry["settings"].items())
        notes.append(f" The {' and '.join(entry['sections'])} section"
                     f"{'s were' if len(entry['sections']) > 1 else ' was'} measured again on "
                     f"{entry['date']} ({entry['seconds']} s, project cluster with {settings}; "
                     f"`bench/bench.py --remeasure {entry['choice']}`), after the change "
                     f"{'they measure' if len(entry['sections']) > 1 else 'it measures'}.")
    return ("".join(notes) + " Every other section is the full run's"
            + ("." if "settings" in results else
               " (that run did not record its cluster's settings; it ran before shared_buffers "
               "was raised in `scripts/lib.sh`, with the default 128MB)."))


def write(results, out: Path):
    up = results["upsert"]
    off, on = up["synchronous_commit=off"]["tps"], up["default"]["tps"]
    copy = results["copy"]
    look = results["lookup"]["tps"]
    small, large = str(results["clients"]), str(results["large"])
    reseg = results["resegment"]

    ratios = []
    first = results.get("first_answers", {}).get("tps")
    ratios += upsert_targets("project cluster", off, first)
    stock_path = out / "stock.json"
    stock = json.loads(stock_path.read_text()) if stock_path.exists() else None
    if stock:
        ratios += upsert_targets("stock cluster", stock["upsert"]["synchronous_commit=off"]["tps"],
                                 stock.get("first_answers", {}).get("tps"))
    r = copy["seconds"]["pg_segment"] / copy["seconds"]["plain"]
    ratios.append(ratio_row(f"COPY {copy['answers']:,} answers, pg_segment time / plain time", r, "≤ 1.15", r <= 1.15))
    for size in (small, large):
        r = reseg[size]["level change"]["pg_segment"] / reseg[size]["level change"]["handwritten"]
        ratios.append(ratio_row(f"re-segmentation of {int(size):,} clients after a level change, "
                                "pg_segment time / hand-written SQL time", r, "≤ 0.80", r <= 0.8))
    r = reseg[large]["weight change"]["pg_segment"] / reseg[large]["weight change"]["handwritten"]
    ratios.append(ratio_row(f"weight change of 1 of 10 questions over {int(large):,} clients, "
                            "pg_segment time / hand-written recompute time", r, "≤ 0.30", r <= 0.3))
    points = reseg[large]["points change"]
    r = points["pg_segment"] / points["handwritten"]
    ratios.append(ratio_row(f"points change of one option chosen by {float(points['chosen_by']):.0%} of "
                            f"{int(large):,} clients, pg_segment time / hand-written recompute time",
                            r, "≤ 0.05 (for an option chosen by 10%)", r <= 0.05))
    growth = reseg[large]["level change"]["pg_segment"] / reseg[small]["level change"]["pg_segment"]
    factor = int(large) / int(small)
    ratios.append(ratio_row(f"level-change re-segmentation time, {int(large):,} / {int(small):,} clients "
                            f"(linear = {factor:.0f})", growth, f"≤ {factor * 1.25:.1f} (linear, +25%)",
                            growth <= factor * 1.25))
    r = look["primary key"] / look["segment_of"]
    ratios.append(ratio_row("point lookup time, segment.segment_of / primary-key lookup", r, "≤ 1.20", r <= 1.2))
    params = results.get("parameters")
    if params:
        up = params["updates"]["tps"]
        r = up["parameter column, pg_segment"] / up["parameter column, no scheme"]
        ratios.append(ratio_row("UPDATE of a parameter column of one customer, pg_segment TPS / no scheme TPS",
                                r, "≥ 0.70", r >= 0.7))
        r = up["other column, pg_segment"] / up["other column, no scheme"]
        ratios.append(ratio_row("UPDATE of a column no parameter reads, pg_segment TPS / no scheme TPS",
                                r, "≥ 0.95", r >= 0.95))
        c = params["copy"]["seconds"]
        r = c["pg_segment"] / c["plain"]
        ratios.append(ratio_row(f"COPY of {params['copy']['orders']:,} orders into a table a sum and a count "
                                "parameter read, time / plain COPY time", r, "≤ 1.30", r <= 1.3))
        f = params["refresh"]["seconds"]
        r = f["pg_segment"] / f["handwritten"]
        ratios.append(ratio_row(f"segment.refresh of {params['clients']:,} customers, time / hand-written "
                                "set-based recompute time", r, "≤ 1.00", r <= 1.0))

    drafts = results.get("drafts")
    if drafts:
        med = drafts["median"]
        r = med["preview"] / med["publish"]
        ratios.append(ratio_row(f"segment.preview of a weight change over {drafts['clients']:,} clients, "
                                "time / time of the segment.publish that applies it", r, "≤ 1.00", r <= 1.0))
        t = drafts["transitions"]
        ratios.append(ratio_row(f"segment.transitions over {t['history_rows']:,} history rows, seconds "
                                "(an absolute figure, not a ratio)", t["median"], "≤ 5 s", t["median"] <= 5))
    lines = [
        "# pg_segment benchmarks",
        "",
        f"Size `{results['size']}`: {results['clients']:,} clients × 10 answers for upserts, lookups and COPY; "
        f"re-segmentation at {results['clients']:,} and {results['large']:,} clients. PostgreSQL "
        f"{results['postgres']}, {results['machine']}; pgbench with 2 clients, {results['pgbench_seconds']} s "
        f"per run, {results['rounds']} round(s) in alternating order, as are COPY (plain and pg_segment; the PL/pgSQL "
        f"trigger once); re-segmentation {results['rounds_heavy']} round(s), alternating; medians shown (every sample "
        f"is in results.json). Whole run: "
        f"{results['total_seconds']:.0f} s. Generated by `bench/run.sh`; figures from one run on one machine."
        + remeasured_note(results),
        "",
        "## Against the targets (ratios within this run)",
        "",
        "| measure | ratio | target | met |",
        "|---|---|---|---|",
        *ratios,
        "",
        "## Single-answer upserts (pgbench TPS, random client among "
        f"{results['clients']:,}, random question and option)",
        "",
        "| set-up | synchronous_commit=off | default (on) |",
        "|---|---|---|",
        *[f"| {name} | {off[name]:,.0f} | {on[name]:,.0f} |" for name in off],
        "",
        "`plain`: the answers table alone, no segmentation. `plpgsql`: the same table with the row "
        "trigger a DBA would write (recompute the client's score, look up its level, lock and upsert "
        "its assignment, append history). `pg_segment`: the extension's answers table. "
        "`pg_segment, SQL path`: the same with `pg_segment.direct_writes = off`, so each change runs "
        "as SQL statements instead of the single-row direct path. `pg_segment, segment.answer()`: "
        "`SELECT segment.answer('bench', client, 'q<n>', 'o<n>')`, scheme, question and option by code.",
        "",
        "## Upserts on both clusters (pgbench TPS, synchronous_commit=off)",
        "",
        "Steady state: every client answered already (the table above). First answers: the same "
        "upserts into emptied tables, so most writes are a client's first answer to a question and "
        "many its first answer at all (an assignment insert). Where the CPU time of one write "
        "goes on each path, sampled with perf by `bench/profile.py` (which the full run also "
        "runs): `profile.md`.",
        "",
        "Project cluster (started by `scripts/lib.sh`"
        + (": " + ", ".join(f"{k} = {v}" for k, v in results["settings"].items())
           if "settings" in results else "")
        + "):",
        "",
        *upsert_table(off, first),
        "",
        *([f"Stock cluster (initdb defaults; only port, socket and no TCP listener set: "
           f"{', '.join(f'{k} = {v}' for k, v in stock['settings'].items())}):",
           "",
           *upsert_table(stock["upsert"]["synchronous_commit=off"]["tps"],
                         stock.get("first_answers", {}).get("tps")),
           ""] if stock else ["Stock cluster: not run.", ""]),
        f"## Bulk load: COPY of {copy['answers']:,} answers into empty tables",
        "",
        "| set-up | seconds (median) | peak backend memory (RssAnon, MiB, highest round) |",
        "|---|---|---|",
        *[f"| {name} | {copy['seconds'][name]:.2f} | {copy['peak_mib'][name]:.1f} |"
          for name in ("plain", "plpgsql", "pg_segment")],
        "",
        "The PL/pgSQL trigger's load runs with `enable_seqscan = off` and `jit = off`: its per-row "
        "queries are planned while the truncated tables look empty, and a sequential-scan plan kept "
        "from then can make the load quadratic (one run took over 15 minutes). Forced index plans "
        "also make its look-ups of the small configuration tables dearer, so this figure is a stable "
        "one rather than that baseline's best (runs that happened to keep good plans took 85-90 s).",
        "",
        "## Re-segmentation of every client",
        "",
        "| clients | change | pg_segment s (median) | hand-written SQL s (median) | ratio | peak MiB pg_segment / hand-written |",
        "|---|---|---|---|---|---|",
    ]
    for size in (small, large):
        for change, row in reseg[size].items():
            lines.append(f"| {int(size):,} | {change} | {row['pg_segment']:.2f} | {row['handwritten']:.2f} | "
                         f"{row['pg_segment'] / row['handwritten']:.2f} | "
                         f"{row['peak_mib']['pg_segment']:.1f} / {row['peak_mib']['handwritten']:.1f} |")
    lines += [
        "",
        "The hand-written SQL recomputes every score from the answers (GROUP BY), looks levels up, "
        "upserts only changed rows and appends history for them. After a level change pg_segment "
        "looks segments up again from the stored scores, since scores do not depend on levels; "
        "after a weight or points change it moves only the clients that answered that question or "
        "chose that option, by Δweight × points or weight × Δpoints, without reading other answers. "
        "Rounds alternate the direction of the change (levels up 3 points, then back; weight of q1 "
        "up 0.5, then back; points of option 1 up 3, then back), so each round moves the same "
        "clients. pg_segment's statements over many clients run with `jit = off` and `work_mem` "
        "of at least 64 MB (docs/reference.md, \"Settings of statements over many clients\"): "
        "its hash of a million assignments and its sort of the history rows stay in memory, which "
        "is what its peak memory over a large weight or points change is made of (the "
        "hand-written statement runs with the session's 4 MB and spills to disk). The same "
        "settings raise its peak during the COPY above.",
        "",
        *(parameter_section(params) if params else []),
        *(rules_section(results["rules"]) if "rules" in results else []),
        *(drafts_section(drafts) if drafts else []),
        "## Point lookups (pgbench TPS)",
        "",
        "| query | TPS |",
        "|---|---|",
        f"| `SELECT segment FROM <results table> WHERE client_id = :c` | {look['primary key']:,.0f} |",
        f"| `SELECT segment.segment_of('bench', :c)` | {look['segment_of']:,.0f} |",
        "",
        "![chart](chart.png)",
        "",
    ]
    (out / "report.md").write_text("\n".join(lines))
    chart(results, out / "chart.png")


def chart(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    setups = ["plain", "plpgsql", "pg_segment"]
    colors = {"plain": "#9e9e9e", "plpgsql": "#e07b39", "pg_segment": "#2e7d32", "handwritten": "#e07b39"}
    fig, axes = plt.subplots(1, 4, figsize=(17, 4.2))
    up = results["upsert"]["synchronous_commit=off"]["tps"]
    axes[0].bar(setups, [up[s] for s in setups], color=[colors[s] for s in setups])
    axes[0].set_title("upsert TPS (sync commit off)\nhigher is better")
    copy = results["copy"]["seconds"]
    axes[1].bar(setups, [copy[s] for s in setups], color=[colors[s] for s in setups])
    axes[1].set_title(f"COPY {results['copy']['answers']:,} answers, s\nlower is better")
    labels, seg, hand = [], [], []
    for size, row in results["resegment"].items():
        for change, r in row.items():
            labels.append(f"{int(size) // 1000}k\n{change}")
            seg.append(r["pg_segment"])
            hand.append(r["handwritten"])
    x = range(len(labels))
    axes[2].bar([i - 0.2 for i in x], hand, 0.4, label="hand-written SQL", color=colors["handwritten"])
    axes[2].bar([i + 0.2 for i in x], seg, 0.4, label="pg_segment", color=colors["pg_segment"])
    axes[2].set_xticks(list(x), labels, fontsize=8)
    axes[2].set_yscale("log")
    axes[2].set_title("re-segmentation, s (log)\nlower is better")
    axes[2].legend(fontsize=8)
    look = results["lookup"]["tps"]
    axes[3].bar(["primary key", "segment_of"], [look["primary key"], look["segment_of"]],
                color=[colors["plain"], colors["pg_segment"]])
    axes[3].set_title("point lookup TPS\nhigher is better")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    out = Path(sys.argv[1])
    write(json.loads((out / "results.json").read_text()), out)
