//! Invariants checked inside a real PostgreSQL with the extension installed (`cargo pgrx test`).

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    fn run(sql: &str) {
        Spi::run(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    fn count(sql: &str) -> i64 {
        Spi::get_one::<i64>(sql).unwrap().unwrap_or(0)
    }

    /// A scheme over a fresh table, with `clients` clients, 3 questions of 3 options, 3 levels
    /// and a gap between the two upper levels.
    fn setup(schema: &str, clients: i32) {
        run(&format!(
            "CREATE SCHEMA {schema};
             CREATE TABLE {schema}.clients (id bigint PRIMARY KEY);
             INSERT INTO {schema}.clients SELECT generate_series(1, {clients});
             SELECT segment.create_scheme('{schema}', '{schema}.clients');
             SELECT segment.add_question('{schema}', 'q' || q, 'Q' || q, q) FROM generate_series(1, 3) q;
             SELECT segment.add_option('{schema}', 'q' || q, 'o' || o, 'O' || o, (o - 2) * 5)
               FROM generate_series(1, 3) q, generate_series(1, 3) o;
             SELECT segment.add_level('{schema}', 'low', '-Infinity', 0);
             SELECT segment.add_level('{schema}', 'mid', 0, 10);
             SELECT segment.add_level('{schema}', 'high', 15, 'Infinity');"
        ));
    }

    /// Every stored assignment equals the engine's from-scratch recompute, and the last history
    /// row of every client states its current assignment.
    fn assert_consistent(schema: &str) {
        assert_eq!(
            count(&format!("SELECT count(*) FROM segment.verify('{schema}')")),
            0
        );
        let disagreeing = count(&format!(
            "WITH last AS (
               SELECT DISTINCT ON (client_id) client_id, new_score, new_segment
               FROM segment.{schema}_clients_history ORDER BY client_id, history_id DESC)
             SELECT count(*) FROM last l
             FULL JOIN segment.{schema}_clients_assignments a ON a.client_id = l.client_id
             WHERE l.new_score IS DISTINCT FROM a.score OR l.new_segment IS DISTINCT FROM a.segment"
        ));
        assert_eq!(disagreeing, 0, "history and assignments disagree");
    }

    #[pg_test]
    fn mixed_bulk_writes_keep_assignments_equal_to_a_recompute() {
        setup("mix", 300);
        let answers = "segment.mix_clients_answers";
        run(&format!(
            "INSERT INTO {answers} (client_id, question_id, option_id)
             SELECT c, o.question_id, o.option_id FROM generate_series(1, 300) c
             JOIN segment.answer_options o ON o.scheme = 'mix'
              AND o.option_position = 1 + (c * 7 + o.question_position) % 3
             WHERE (c + o.question_position) % 5 <> 0"
        ));
        assert_consistent("mix");
        run(&format!(
            "UPDATE {answers} a SET option_id = o.option_id FROM segment.answer_options o
             WHERE o.question_id = a.question_id AND o.option_position = 1 + (a.client_id % 3)
               AND a.client_id % 4 = 0"
        ));
        assert_consistent("mix");
        run(&format!("DELETE FROM {answers} WHERE client_id % 6 = 0"));
        run("DELETE FROM mix.clients WHERE id % 10 = 1");
        assert_consistent("mix");
        run("UPDATE segment.questions SET weight = weight + 1 WHERE code = 'q2'");
        run("UPDATE segment.levels SET min_score = 12 WHERE name = 'high'");
        assert_consistent("mix");
        // no client without answers keeps an assignment
        assert_eq!(
            count(&format!(
                "SELECT count(*) FROM segment.mix_clients_assignments s
                 WHERE NOT EXISTS (SELECT 1 FROM {answers} a WHERE a.client_id = s.client_id)"
            )),
            0
        );
        run(&format!("TRUNCATE {answers}"));
        assert_eq!(
            count("SELECT count(*) FROM segment.mix_clients_assignments"),
            0
        );
        assert_consistent("mix");
    }

    /// Weight and points changes move scores by the change alone (no recompute); every kind of
    /// value change, and the moves that fall back to a recompute, must leave exactly what a
    /// recompute would: verify clean, the ledger's last row equal to the assignment.
    #[pg_test]
    fn weight_and_points_changes_shift_exactly_like_a_recompute() {
        setup("shift", 400);
        run("SELECT segment.add_question('shift', 'q4', 'Q4', 0.25)");
        run("SELECT segment.add_option('shift', 'q4', 'x', 'X', 7)");
        run("SELECT segment.add_option('shift', 'q4', 'y', 'Y', -3)");
        run(
            "INSERT INTO segment.shift_clients_answers (client_id, question_id, option_id)
             SELECT c, o.question_id, o.option_id FROM generate_series(1, 400) c
             JOIN segment.answer_options o ON o.scheme = 'shift'
              AND o.option_position = 1 + (c * 5 + o.question_position) % 3
             WHERE (c + o.question_position) % 7 <> 0",
        );
        assert_consistent("shift");
        let changes = [
            // one weight, several weights, to zero, fractional
            "UPDATE segment.questions SET weight = weight + 1.5 WHERE code = 'q1'",
            "UPDATE segment.questions SET weight = weight * 2 WHERE code IN ('q2', 'q3')",
            "UPDATE segment.questions SET weight = 0 WHERE code = 'q4'",
            "UPDATE segment.questions SET weight = 1.125 WHERE code = 'q4'",
            // one option's points, several at once, a weight and code change in one statement
            "UPDATE segment.options SET points = points + 3 WHERE code = 'o1'",
            "UPDATE segment.options o SET points = -points FROM segment.questions q
             WHERE q.question_id = o.question_id AND q.code = 'q2'",
            "UPDATE segment.questions SET weight = 3, prompt = 'new', code = 'q1b' WHERE code = 'q1'",
            // a points change to the same value moves nobody
            "UPDATE segment.options SET points = points WHERE code = 'o2'",
            // an option moved to another question (one nobody chose: the answers' foreign key
            // holds chosen ones) falls back to a recompute
            "SELECT segment.add_option('shift', 'q4', 'w', 'W', 2)",
            "UPDATE segment.options o SET question_id = q.question_id, code = 'z'
             FROM segment.questions q
             WHERE q.code = 'q3' AND o.code = 'w'",
            // a new question and option move nobody
            "SELECT segment.add_question('shift', 'q5', 'Q5', 9)",
            "SELECT segment.add_option('shift', 'q5', 'n', 'N', 100)",
        ];
        for change in changes {
            run(change);
            assert_consistent("shift");
        }
        // a weight and then the points of the same question, one transaction (as the whole
        // test is) with no check in between
        run("UPDATE segment.questions SET weight = weight + 1 WHERE code = 'q2'");
        run(
            "UPDATE segment.options o SET points = o.points * 3 FROM segment.questions q
             WHERE q.question_id = o.question_id AND q.code = 'q2'",
        );
        assert_consistent("shift");
        // no history row for a client whose score did not move
        assert_eq!(
            count(
                "SELECT count(*) FROM segment.shift_clients_history
                 WHERE cause = 'scheme change' AND old_score = new_score
                   AND old_segment IS NOT DISTINCT FROM new_segment"
            ),
            0
        );
    }

    #[pg_test]
    fn one_statement_writes_one_history_row_per_changed_client() {
        setup("once", 50);
        run(
            "INSERT INTO segment.once_clients_answers (client_id, question_id, option_id)
             SELECT c, o.question_id, o.option_id FROM generate_series(1, 50) c
             JOIN segment.answer_options o ON o.scheme = 'once' AND o.option = 'o3'",
        );
        assert_eq!(
            count("SELECT count(*) FROM segment.once_clients_history"),
            50
        );
        assert_eq!(
            count("SELECT count(DISTINCT client_id) FROM segment.once_clients_history"),
            50
        );
    }

    #[pg_test]
    fn every_function_pins_search_path() {
        // The answers trigger pins it in code around its SQL (see triggers/answers.rs).
        let unpinned = count(
            "SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'segment'::regnamespace
             AND p.proname <> '_answers_changed'
             AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')",
        );
        assert_eq!(unpinned, 0);
    }

    #[pg_test]
    fn every_configuration_table_and_sequence_is_dumped() {
        let missing = count(
            "SELECT count(*) FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
             JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_segment'
             WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e' AND c.relkind IN ('r', 'S')
               AND NOT c.oid = ANY (e.extconfig)",
        );
        assert_eq!(missing, 0);
    }

    /// Members of the extension (relations and functions, as `c` and `p`) that meet the
    /// condition; the functions of these tests are members only in the test build.
    fn members_where(condition: &str) -> i64 {
        count(&format!(
            "SELECT count(*) FROM pg_depend d
             JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_segment'
             LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
             LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
             WHERE d.deptype = 'e'
               AND coalesce(c.relnamespace, p.pronamespace) <> 'tests'::regnamespace
               AND {condition}"
        ))
    }

    #[pg_test]
    fn every_public_object_has_a_comment() {
        let undocumented = members_where(
            "d.classid IN ('pg_class'::regclass, 'pg_proc'::regclass)
             AND coalesce(c.relkind, 'f') <> 'S'
             AND obj_description(d.objid, CASE WHEN d.classid = 'pg_class'::regclass
                                               THEN 'pg_class' ELSE 'pg_proc' END) IS NULL",
        );
        assert_eq!(undocumented, 0);
    }

    #[pg_test]
    fn extension_creates_nothing_outside_its_schema() {
        let outside =
            members_where("coalesce(c.relnamespace, p.pronamespace) <> 'segment'::regnamespace");
        assert_eq!(outside, 0);
    }

    #[pg_test(error = "level \"top\" overlaps level \"high\" in scheme \"ovl\"")]
    fn overlapping_levels_are_refused_for_plain_sql_too() {
        setup("ovl", 1);
        run(
            "INSERT INTO segment.levels (scheme_id, name, min_score, max_score)
             SELECT scheme_id, 'top', 100, 200 FROM segment.schemes WHERE name = 'ovl'",
        );
    }

    #[pg_test]
    fn every_query_file_renders_completely() {
        use crate::store::{render_query, QueryPart, ALL_QUERIES};
        let parts = [
            ("client_table", QueryPart::Relation("crm.\"Clients\"")),
            ("key_column", QueryPart::Identifier("Key Column")),
            ("key_type", QueryPart::Type("character(5)")),
            ("answers", QueryPart::Relation("segment.a")),
            ("picks", QueryPart::Relation("segment.p")),
            ("assignments", QueryPart::Relation("segment.s")),
            ("history", QueryPart::Relation("segment.h")),
            ("changed_client", QueryPart::Identifier("segment_new_rows")),
            ("changes", QueryPart::Fragment("SELECT 1")),
            ("deltas", QueryPart::Fragment("SELECT 1, 1")),
            ("per_answer", QueryPart::Fragment("SELECT 1, 1")),
            ("moved_assignments", QueryPart::Fragment("JOIN t s ON true")),
            ("argument_type", QueryPart::Type("integer")),
            ("base_type", QueryPart::Type("bpchar")),
            ("moment", QueryPart::Sql("$2")),
            ("value", QueryPart::Sql("value")),
            ("questionnaire", QueryPart::Fragment("SELECT 1")),
            ("states", QueryPart::Fragment("SELECT 1, 1, 1")),
            ("states_before", QueryPart::Fragment("SELECT 1, 1, 1")),
            ("states_after", QueryPart::Fragment("SELECT 1, 1, 1")),
            ("scope", QueryPart::Fragment("scope_answers AS (SELECT 1)")),
            ("variant", QueryPart::Sql("NULL")),
            ("variant_clients", QueryPart::Sql("$6")),
            ("variant_ids", QueryPart::Sql("$7")),
            ("level_variants", QueryPart::Sql("$8")),
            (
                "client_variants",
                QueryPart::Fragment("client_variants AS (SELECT 1)"),
            ),
            ("variant_column", QueryPart::Identifier("Format")),
            ("question_counts", QueryPart::Sql("true")),
            ("parameter_counts", QueryPart::Sql("true")),
            ("required_counts", QueryPart::Sql("true")),
            ("variant_matched", QueryPart::Sql("true")),
            ("item_column", QueryPart::Identifier("question_id")),
            ("item", QueryPart::Sql("q.question_id")),
            ("client", QueryPart::Sql("a.client_id")),
        ];
        for (file, template) in ALL_QUERIES {
            let commented = template
                .lines()
                .any(|line| line.split_once("--").is_some_and(|(_, c)| c.contains("{{")));
            assert!(!commented, "{file}: a placeholder inside a comment");
            let sql = render_query(template, &parts);
            assert!(!sql.contains("{{") && !sql.contains("}}"), "{file}: {sql}");
        }
        let sql = render_query("SELECT {{key_column}} FROM {{client_table}}", &parts);
        assert_eq!(sql, "SELECT \"Key Column\" FROM crm.\"Clients\"");
    }
}
