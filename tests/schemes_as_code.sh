#!/usr/bin/env bash
# Schemes as code on the demo (its rules and variants included): every demo scheme's segment.export_scheme document validates
# against docs/scheme.schema.json, imports into a fresh database holding the same client tables
# (and nothing of pg_segment's), and exports there as the same document; the imported schemes
# score the same answers the same way. Every scheme's questionnaire (the whole scheme's and
# each variant's) and questionnaire_for of clients with every kind of answer validate against
# docs/questionnaire.schema.json.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
SRC=pg_segment_code_src DST=pg_segment_code_dst
VENV="${RUN_DIR}/bench-venv"
if [ ! -x "${VENV}/bin/python" ]; then
    python3 -m venv "${VENV}"
fi
"${VENV}/bin/pip" install -q -r "${ROOT}/bench/requirements.txt" 'jsonschema==4.*'

status=0
for db in "$SRC" "$DST"; do
    recreate_db "$db"
    pgsql -d "$db" -c "CREATE EXTENSION pg_segment" >/dev/null
    pgsql -d "$db" -f "$ROOT/demo/crm.sql" >/dev/null
done
# (rules: the outlet scheme's capped group, required question, forced level and variants)
for f in schemes answers parameters rules; do pgsql -d "$SRC" -f "$ROOT/demo/$f.sql" >/dev/null; done
# the destination gets the client data the parameters read (the part of demo/parameters.sql
# before its first call of pg_segment), not the schemes
awk '/^SELECT segment\./ { exit } { print }' "$ROOT/demo/parameters.sql" | pgsql -d "$DST" >/dev/null

"${VENV}/bin/python" - "$SRC" "$DST" "$ROOT/docs/scheme.schema.json" "$ROOT/docs/questionnaire.schema.json" <<'PY' || status=1
import json, sys, psycopg, jsonschema
src, dst, schema_path, questionnaire_path = sys.argv[1:5]
schema = json.load(open(schema_path))
jsonschema.Draft202012Validator.check_schema(schema)
questionnaire = jsonschema.Draft202012Validator(json.load(open(questionnaire_path)))
questionnaire.check_schema(questionnaire.schema)
failed = 0


def questionnaires(s, name):
    """The scheme's questionnaires: the whole scheme's, each variant's, and questionnaire_for
    of its first 40 assigned clients and of one client without an assignment."""
    variants = [r[0] for r in s.execute(
        "SELECT v.code FROM segment.variants v JOIN segment.schemes sc USING (scheme_id) "
        "WHERE sc.name = %s ORDER BY v.code", (name,))]
    docs = [s.execute("SELECT segment.questionnaire(%s, %s)", (name, v)).fetchone()[0]
            for v in [None] + variants]
    client_table, assignments = s.execute(
        "SELECT e.client_table::text, e.assignments_table::text, e.key_column FROM segment.entities e "
        "JOIN segment.schemes sc USING (entity_id) WHERE sc.name = %s", (name,)).fetchone()[:2]
    key = s.execute("SELECT quote_ident(e.key_column) FROM segment.entities e "
                    "JOIN segment.schemes sc USING (entity_id) WHERE sc.name = %s", (name,)).fetchone()[0]
    clients = [r[0] for r in s.execute(
        f"SELECT client_id::text FROM {assignments} WHERE scheme_id = "
        "(SELECT scheme_id FROM segment.schemes WHERE name = %s) ORDER BY client_id LIMIT 40", (name,))]
    clients += [r[0] for r in s.execute(
        f"SELECT c.{key}::text FROM {client_table} c WHERE NOT EXISTS (SELECT 1 FROM {assignments} a "
        f"WHERE a.client_id = c.{key} AND a.scheme_id = (SELECT scheme_id FROM segment.schemes "
        "WHERE name = %s)) ORDER BY 1 LIMIT 1", (name,))]
    docs += [s.execute("SELECT segment.questionnaire_for(%s, %s::text)", (name, c)).fetchone()[0]
             for c in clients]
    return docs, len(variants), len(clients)
with psycopg.connect(dbname=src, autocommit=True) as s, psycopg.connect(dbname=dst, autocommit=True) as d:
    names = [r[0] for r in s.execute("SELECT name FROM segment.schemes ORDER BY scheme_id")]
    for name in names:
        doc = s.execute("SELECT segment.export_scheme(%s)", (name,)).fetchone()[0]
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
        if errors:
            failed += 1
            print(f"FAILED: {name}: the document does not validate: {errors[0].message}")
            continue
        d.execute("SELECT segment.import_scheme(%s)", (json.dumps(doc),))
        again = d.execute("SELECT segment.export_scheme(%s)", (name,)).fetchone()[0]
        if again != doc:
            failed += 1
            print(f"FAILED: {name}: exported again after import, the document differs")
            continue
        print(f"ok: {name}: validates, imports, exports the same ({len(doc['questions'])} questions, "
              f"{len(doc['parameters'])} parameters, {len(doc['levels'])} levels, "
              f"{len(doc['groups'])} groups, {len(doc['forced_levels'])} forced levels, "
              f"{len(doc['variants'])} variants)")
        docs, variants, clients = questionnaires(s, name)
        invalid = [e.message for d in docs for e in questionnaire.iter_errors(d)]
        if invalid:
            failed += 1
            print(f"FAILED: {name}: a questionnaire does not validate: {invalid[0]}")
            continue
        answers = {type(q.get("answer")).__name__ for d in docs for q in d["questions"]}
        print(f"ok: {name}: {len(docs)} questionnaires validate ({variants} variants, {clients} "
              f"clients; answers seen: {', '.join(sorted(answers))})")
sys.exit(1 if failed else 0)
PY

# The same answers, copied into the destination by their codes, give the same scores there.
for table in companies:bigint people:uuid; do
    name=${table%%:*} key=${table##*:}
    pgsql -d "$SRC" -Atc "COPY (SELECT a.client_id, s.name, q.code, o.code, a.value
                                FROM segment.crm_${name}_answers a
                                JOIN segment.questions q USING (question_id)
                                JOIN segment.schemes s USING (scheme_id)
                                LEFT JOIN segment.options o ON o.option_id = a.option_id
                                UNION ALL
                                SELECT p.client_id, s.name, q.code, o.code, NULL
                                FROM segment.crm_${name}_picks p
                                JOIN segment.questions q USING (question_id)
                                JOIN segment.schemes s USING (scheme_id)
                                JOIN segment.options o ON o.option_id = p.option_id) TO STDOUT" |
    pgsql -d "$DST" -v ON_ERROR_STOP=1 -c "CREATE TEMP TABLE codes (client ${key}, scheme text, question text, option text, value numeric);
        COPY codes FROM STDIN;
        INSERT INTO segment.crm_${name}_answers (client_id, question_id, option_id, value)
        SELECT c.client, q.question_id, o.option_id, c.value
        FROM codes c JOIN segment.schemes s ON s.name = c.scheme
        JOIN segment.questions q ON q.scheme_id = s.scheme_id AND q.code = c.question
        LEFT JOIN segment.options o ON o.question_id = q.question_id AND o.code = c.option
        WHERE q.kind <> 'multiple';
        INSERT INTO segment.crm_${name}_picks (client_id, question_id, option_id)
        SELECT c.client, q.question_id, o.option_id
        FROM codes c JOIN segment.schemes s ON s.name = c.scheme
        JOIN segment.questions q ON q.scheme_id = s.scheme_id AND q.code = c.question
        JOIN segment.options o ON o.question_id = q.question_id AND o.code = c.option
        WHERE q.kind = 'multiple';" >/dev/null || status=1
done
scores() {
    pgsql -d "$1" -Atc "SELECT md5(string_agg(concat_ws('|', s.name, a.client, a.score, a.segment, a.status), ',' ORDER BY s.name, a.client))
                        FROM (SELECT scheme_id, client_id::text AS client, score, segment, status FROM segment.crm_companies_assignments
                              UNION ALL
                              SELECT scheme_id, client_id::text, score, segment, status FROM segment.crm_people_assignments) a
                        JOIN segment.schemes s USING (scheme_id)"
}
if [ "$(scores "$SRC")" = "$(scores "$DST")" ]; then
    echo "ok: the imported schemes give every client the same score, segment and status"
else
    echo "FAILED: the imported schemes score the same answers differently"; status=1
fi
if [ "$(pgsql -d "$DST" -Atc "SELECT count(*) FROM segment.schemes s, segment.verify(s.name)")" = 0 ]; then
    echo "ok: segment.verify is empty for every imported scheme"
else
    echo "FAILED: segment.verify disagrees in the destination"; status=1
fi
exit $status
