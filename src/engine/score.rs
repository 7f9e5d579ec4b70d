use super::model::{exact_add, exact_mul, exact_sub, EngineError, Level};
use rust_decimal::Decimal;

/// What an input of a scheme is; explanations name it in their `kind` column. A `cap` row is
/// no input: it is what a group's clamp took away from (or added to) its members' sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Question,
    Parameter,
    Cap,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Question => "question",
            InputKind::Parameter => "parameter",
            InputKind::Cap => "cap",
        }
    }
}

/// One input of a scheme (a question or a parameter) together with the client's value for
/// it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainInput {
    pub position: i32,
    /// the input's code
    pub item: String,
    pub kind: InputKind,
    pub weight: Decimal,
    /// the value: a question's chosen option code, a parameter's value in text form; None
    /// when unanswered or NULL
    pub value: Option<String>,
    /// the value's points; None when there is no value or (a parameter) it matches nothing
    pub points: Option<Decimal>,
    /// an input without which the client has no segment: a required parameter without points,
    /// a required question unanswered
    pub required: bool,
    /// a value the reader may not see (it may not read the columns it is computed from)
    pub hidden: bool,
    /// how many rows of the answers and picks tables give the value (1 for an answer, one per
    /// option picked for a multiple-choice question, 0 for none or a parameter): what the
    /// assignment's `answered` counts
    pub answer_rows: i32,
    /// the code of the group whose clamp the input's contribution is under, if any
    pub group: Option<String>,
    /// what a forced level compares with: the chosen options' codes, a number answer's value
    /// (scale trimmed), a parameter's value; empty without a value
    pub values: Vec<String>,
    /// whether the input counts for the client: false for an input of another variant than
    /// the client's (its answer is kept but gives nothing)
    pub applicable: bool,
}

impl ExplainInput {
    /// An input that gives no points: no value, or a value that matches nothing.
    pub fn is_missing(&self) -> bool {
        self.points.is_none()
    }

    /// The points the input gives the client: none when it does not apply to its variant.
    fn counted_points(&self) -> Option<Decimal> {
        self.points.filter(|_| self.applicable)
    }

    /// A required input the client lacks: a required question it has not answered (a number
    /// answer in no range is an answer), a required parameter that gives no points.
    pub fn lacks_required(&self) -> bool {
        self.required
            && self.applicable
            && match self.kind {
                InputKind::Question => self.value.is_none(),
                _ => self.is_missing(),
            }
    }
}

/// A group of inputs: their contributions are summed and the sum clamped to [min, max] (an
/// open end: None) before it joins the score. A group none of whose members has a value adds
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRule {
    pub code: String,
    pub min: Option<Decimal>,
    pub max: Option<Decimal>,
}

/// A level forced by an input's value (an option's code, a number, a parameter's text form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForcedRule {
    pub item: String,
    pub value: String,
    pub level: String,
}

impl ForcedRule {
    fn applies_to(&self, input: &ExplainInput) -> bool {
        input.applicable && input.item == self.item && input.values.contains(&self.value)
    }
}

/// What a scheme adds to the weighted sum of its inputs: groups with clamps, and forced
/// levels in the order they were defined (the first that applies wins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    pub groups: Vec<GroupRule>,
    pub forced: Vec<ForcedRule>,
}

impl Rules {
    /// The first forced level that applies to the client's inputs.
    pub fn forced_level(&self, inputs: &[ExplainInput]) -> Option<&ForcedRule> {
        self.forced
            .iter()
            .find(|rule| inputs.iter().any(|input| rule.applies_to(input)))
    }
}

/// One row of an explanation: what an input contributed to the client's score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainRow {
    pub position: i32,
    pub item: String,
    pub kind: InputKind,
    /// the chosen option's code, or the parameter's value; a cap row's: its members' sum
    pub value: Option<String>,
    pub points: Option<Decimal>,
    pub weight: Decimal,
    /// weight × points; zero for an input without points, which adds nothing; a cap row's:
    /// the clamped sum less the members' sum
    pub contribution: Decimal,
    /// why an input gives no points, or what else it does: a parameter that is missing, a
    /// required input lacking (then the client has no segment), a level it forces; None
    /// otherwise
    pub note: Option<String>,
}

/// Weight × points, exactly.
pub fn contribution(
    weight: Decimal,
    points: Decimal,
    question: &str,
) -> Result<Decimal, EngineError> {
    exact_mul(weight, points).ok_or_else(|| EngineError::Overflow {
        what: format!("contribution of question \"{question}\""),
    })
}

fn overflow(what: &str) -> EngineError {
    EngineError::Overflow {
        what: what.to_string(),
    }
}

/// Explains a score: one row per input, in the order given, then one `cap` row per group whose
/// clamp changed its members' sum, and the total they all add up to. Inputs without points
/// contribute nothing.
pub fn explain(
    inputs: &[ExplainInput],
    rules: &Rules,
) -> Result<(Vec<ExplainRow>, Decimal), EngineError> {
    let mut total = Decimal::ZERO;
    let mut rows = Vec::with_capacity(inputs.len() + rules.groups.len());
    let winner = rules.forced_level(inputs);
    // per group of `rules`: its members' sum, whether any has a value, the last position
    let mut sums = vec![(Decimal::ZERO, false, i32::MIN); rules.groups.len()];
    for input in inputs {
        let value = match input.counted_points() {
            Some(points) => contribution(input.weight, points, &input.item)?,
            None => Decimal::ZERO,
        };
        total = exact_add(total, value).ok_or_else(|| overflow("score"))?;
        if let Some(i) = input
            .group
            .as_ref()
            .filter(|_| input.applicable)
            .and_then(|code| rules.groups.iter().position(|g| &g.code == code))
        {
            let sum = &mut sums[i];
            sum.0 = exact_add(sum.0, value).ok_or_else(|| overflow("score"))?;
            sum.1 |= input.value.is_some();
            sum.2 = sum.2.max(input.position);
        }
        let mut notes: Vec<String> = Vec::new();
        if let Some(note) = input_note(input) {
            notes.push(note.to_string());
        }
        for rule in rules.forced.iter().filter(|rule| rule.applies_to(input)) {
            notes.push(if winner == Some(rule) {
                format!("forces level \"{}\"", rule.level)
            } else {
                format!(
                    "would force level \"{}\"; a rule defined earlier wins",
                    rule.level
                )
            });
        }
        rows.push(ExplainRow {
            position: input.position,
            item: input.item.clone(),
            kind: input.kind,
            value: input.value.clone(),
            points: input.points,
            weight: input.weight,
            contribution: value,
            note: (!notes.is_empty()).then(|| notes.join("; ")),
        });
    }
    for (group, (sum, present, position)) in rules.groups.iter().zip(sums) {
        if !present {
            continue;
        }
        let (clamped, note) = match (group.min, group.max) {
            (Some(min), _) if sum < min => (
                min,
                format!("group \"{}\" raised to its minimum {min}", group.code),
            ),
            (_, Some(max)) if sum > max => (
                max,
                format!("group \"{}\" capped at its maximum {max}", group.code),
            ),
            _ => continue,
        };
        let adjustment = exact_sub(clamped, sum).ok_or_else(|| overflow("score"))?;
        total = exact_add(total, adjustment).ok_or_else(|| overflow("score"))?;
        rows.push(ExplainRow {
            position,
            item: group.code.clone(),
            kind: InputKind::Cap,
            value: Some(sum.normalize().to_string()),
            points: None,
            weight: Decimal::ONE,
            contribution: adjustment,
            note: Some(note),
        });
    }
    // each cap row after its group's last member (a stable sort: inputs keep their order)
    rows.sort_by_key(|row| (row.position, row.kind == InputKind::Cap));
    Ok((rows, total))
}

/// Why an input gives no points, if it gives none for a reason worth saying.
fn input_note(input: &ExplainInput) -> Option<&'static str> {
    if !input.applicable {
        return Some("not applicable to the client's variant");
    }
    match (input.kind, input.is_missing(), input.required, input.hidden) {
        (InputKind::Parameter, true, true, false) => Some("missing, required: no segment"),
        (InputKind::Parameter, true, true, true) => {
            Some("missing, required: no segment; value hidden (no SELECT on its columns)")
        }
        (InputKind::Parameter, true, false, false) => Some("missing"),
        (InputKind::Parameter, true, false, true) => {
            Some("missing; value hidden (no SELECT on its columns)")
        }
        (InputKind::Parameter, false, _, true) => Some("value hidden (no SELECT on its columns)"),
        // a number question's answer that no range of the question holds
        (InputKind::Question, true, _, _) if input.value.is_some() => Some("in no range"),
        (InputKind::Question, true, true, _) => Some("unanswered, required: no segment"),
        _ => None,
    }
}

/// What a client's inputs make of it in a scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub score: Decimal,
    /// its segment: the forced level's name (whichever levels it is of), else None while a
    /// required input is lacking or the client matches no variant, else the name of the level
    /// its score falls in (None in a gap)
    pub segment: Option<String>,
    /// the assignment's status: `forced`, `incomplete`, `unsegmented` or `scored` (the rule of
    /// the assignments' generated status column)
    pub status: &'static str,
}

/// What a client's inputs make of it in a scheme: None when it has no input value at all (no
/// answer, every parameter NULL: no assignment). `levels` are those of the client's variant
/// (the scheme's when it has none of its own); `variant_matched` is false for a client of a
/// scheme with variants whose column matches none of them (no segment unless one is forced).
pub fn assess(
    inputs: &[ExplainInput],
    levels: &[Level],
    rules: &Rules,
    variant_matched: bool,
) -> Result<Option<Assessment>, EngineError> {
    if inputs.iter().all(|i| i.value.is_none()) {
        return Ok(None);
    }
    let (_, score) = explain(inputs, rules)?;
    let assessment = |segment: Option<String>, status| {
        Ok(Some(Assessment {
            score,
            segment,
            status,
        }))
    };
    if let Some(rule) = rules.forced_level(inputs) {
        return assessment(Some(rule.level.clone()), "forced");
    }
    if inputs.iter().any(ExplainInput::lacks_required) {
        return assessment(None, "incomplete");
    }
    if !variant_matched {
        return assessment(None, "unsegmented");
    }
    match level_for(levels, score) {
        Some(level) => assessment(Some(level.name.clone()), "scored"),
        None => assessment(None, "unsegmented"),
    }
}

/// The level whose [min, max) range holds the score; None when it falls in a gap.
pub fn level_for(levels: &[Level], score: Decimal) -> Option<&Level> {
    levels.iter().find(|level| level.contains(score))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::Bound;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn input(q: &str, weight: &str, answer: Option<(&str, &str)>) -> ExplainInput {
        ExplainInput {
            position: 1,
            item: q.to_string(),
            kind: InputKind::Question,
            weight: d(weight),
            value: answer.map(|(c, _)| c.to_string()),
            points: answer.map(|(_, p)| d(p)),
            required: false,
            hidden: false,
            answer_rows: 0,
            group: None,
            values: Vec::new(),
            applicable: true,
        }
    }

    fn parameter(
        code: &str,
        value: Option<&str>,
        points: Option<&str>,
        required: bool,
    ) -> ExplainInput {
        ExplainInput {
            position: 2,
            item: code.to_string(),
            kind: InputKind::Parameter,
            weight: d("2"),
            value: value.map(str::to_string),
            points: points.map(d),
            required,
            hidden: false,
            answer_rows: 0,
            group: None,
            values: Vec::new(),
            applicable: true,
        }
    }

    fn levels() -> Vec<Level> {
        vec![Level {
            name: "all".into(),
            min: Bound::NegInfinity,
            max: Bound::PosInfinity,
        }]
    }

    #[test]
    fn parameters_add_weighted_points_and_say_when_missing() {
        let inputs = [
            input("size", "1", Some(("large", "10"))),
            parameter("staff", Some("12"), Some("3"), false),
            parameter("region", Some("mars"), None, false),
        ];
        let (rows, total) = explain(&inputs, &Rules::default()).unwrap();
        assert_eq!(total, d("16"));
        assert_eq!(rows[1].kind.as_str(), "parameter");
        assert_eq!(rows[1].note.as_deref(), None);
        assert_eq!(
            rows[2].value.as_deref(),
            Some("mars"),
            "an unmatched value is shown"
        );
        assert_eq!(rows[2].note.as_deref(), Some("missing"));
        let levels = levels();
        let a = assess(&inputs, &levels, &Rules::default(), true)
            .unwrap()
            .unwrap();
        assert_eq!(
            (a.score, a.segment.as_deref(), a.status),
            (d("16"), Some("all"), "scored")
        );
    }

    #[test]
    fn a_missing_required_parameter_leaves_no_segment() {
        let levels = levels();
        let inputs = [
            input("size", "1", Some(("large", "10"))),
            parameter("region", None, None, true),
        ];
        let (rows, _) = explain(&inputs, &Rules::default()).unwrap();
        assert_eq!(
            rows[1].note.as_deref(),
            Some("missing, required: no segment")
        );
        let a = assess(&inputs, &levels, &Rules::default(), true)
            .unwrap()
            .unwrap();
        assert_eq!(
            (a.score, a.segment, a.status),
            (d("10"), None, "incomplete")
        );
        let nothing = [
            input("size", "1", None),
            parameter("region", None, None, true),
        ];
        assert_eq!(
            assess(&nothing, &levels, &Rules::default(), true).unwrap(),
            None,
            "no input value: no assignment"
        );
    }

    #[test]
    fn a_number_in_no_range_counts_as_answered_without_points() {
        let mut counters = input("checkouts", "2", None);
        counters.value = Some("-3".to_string()); // answered, but no range holds it
        let inputs = [input("size", "1", Some(("large", "10"))), counters];
        let (rows, total) = explain(&inputs, &Rules::default()).unwrap();
        assert_eq!(total, d("10"));
        assert_eq!(rows[1].contribution, Decimal::ZERO);
        assert_eq!(rows[1].note.as_deref(), Some("in no range"));
        assert_eq!(rows[0].note.as_deref(), None);
        // an unanswered question has no note
        let (rows, _) = explain(&[input("size", "1", None)], &Rules::default()).unwrap();
        assert_eq!(rows[0].note.as_deref(), None);
        let levels = levels();
        let a = assess(&inputs, &levels, &Rules::default(), true)
            .unwrap()
            .unwrap();
        assert_eq!((a.score, a.status), (d("10"), "scored"));
    }

    fn grouped(mut input: ExplainInput, group: &str) -> ExplainInput {
        input.group = Some(group.to_string());
        input.values = input.value.iter().cloned().collect();
        input
    }

    fn rules(
        groups: &[(&str, Option<&str>, Option<&str>)],
        forced: &[(&str, &str, &str)],
    ) -> Rules {
        Rules {
            groups: groups
                .iter()
                .map(|(code, min, max)| GroupRule {
                    code: code.to_string(),
                    min: min.map(d),
                    max: max.map(d),
                })
                .collect(),
            forced: forced
                .iter()
                .map(|(item, value, level)| ForcedRule {
                    item: item.to_string(),
                    value: value.to_string(),
                    level: level.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_group_clamps_its_members_sum_in_a_row_of_its_own() {
        let inputs = [
            grouped(input("a", "2", Some(("x", "10"))), "g"),
            grouped(input("b", "1", Some(("y", "15"))), "g"),
            input("c", "1", Some(("z", "4"))),
            grouped(input("d", "1", None), "low"),
        ];
        let rules = rules(&[("g", None, Some("30")), ("low", Some("5"), None)], &[]);
        let (rows, total) = explain(&inputs, &rules).unwrap();
        assert_eq!(
            total,
            d("34"),
            "20 + 15 capped at 30, plus 4; the empty group adds nothing"
        );
        let cap = rows.last().unwrap();
        assert_eq!(
            (cap.kind.as_str(), cap.item.as_str(), cap.contribution),
            ("cap", "g", d("-5"))
        );
        assert_eq!(cap.value.as_deref(), Some("35"));
        let sum = rows
            .iter()
            .fold(Decimal::ZERO, |acc, r| acc + r.contribution);
        assert_eq!(sum, total, "contributions add up to the score");
        // a floor raises a negative sum; a sum inside the bounds has no cap row
        let negative = [grouped(input("a", "1", Some(("x", "-8"))), "g")];
        let floor = super::tests::rules(&[("g", Some("-3"), Some("30"))], &[]);
        let (rows, total) = explain(&negative, &floor).unwrap();
        assert_eq!(
            (total, rows.len(), rows[1].contribution),
            (d("-3"), 2, d("5"))
        );
        let inside = [grouped(input("a", "1", Some(("x", "7"))), "g")];
        assert_eq!(explain(&inside, &floor).unwrap().0.len(), 1);
    }

    #[test]
    fn the_first_forced_level_wins_over_points_and_missing_inputs() {
        let levels = vec![
            Level {
                name: "inactive".into(),
                min: Bound::NegInfinity,
                max: Bound::Finite(d("0")),
            },
            Level {
                name: "A".into(),
                min: Bound::Finite(d("0")),
                max: Bound::PosInfinity,
            },
        ];
        let mut required = input("size", "1", None);
        required.required = true;
        let inputs = [
            grouped(input("status", "1", Some(("closed", "50"))), "none"),
            required.clone(),
        ];
        let forced = rules(
            &[],
            &[("status", "closed", "inactive"), ("status", "closed", "A")],
        );
        let a = assess(&inputs, &levels, &forced, true).unwrap().unwrap();
        assert_eq!(
            (a.score, a.segment.as_deref(), a.status),
            (d("50"), Some("inactive"), "forced")
        );
        let (rows, _) = explain(&inputs, &forced).unwrap();
        assert_eq!(
            rows[0].note.as_deref(),
            Some("forces level \"inactive\"; would force level \"A\"; a rule defined earlier wins")
        );
        assert_eq!(
            rows[1].note.as_deref(),
            Some("unanswered, required: no segment")
        );
        // without the rule the unanswered required question leaves no segment
        let a = assess(&inputs, &levels, &Rules::default(), true)
            .unwrap()
            .unwrap();
        assert_eq!((a.segment, a.status), (None, "incomplete"));
        // a number answer in no range is an answer
        let mut counted = required;
        counted.value = Some("-1".into());
        assert!(!counted.lacks_required());
    }

    #[test]
    fn inputs_of_other_variants_give_nothing_and_an_unmatched_client_has_no_segment() {
        let levels = levels();
        let mut other = grouped(input("checkouts", "1", Some(("many", "8"))), "g");
        other.applicable = false;
        other.required = true;
        let inputs = [input("size", "1", Some(("large", "10"))), other];
        let rules = rules(&[("g", Some("5"), None)], &[("checkouts", "many", "all")]);
        let (rows, total) = explain(&inputs, &rules).unwrap();
        assert_eq!(total, d("10"), "neither its points nor its group's floor");
        assert_eq!(
            rows.len(),
            2,
            "no cap row: the group has no counting member"
        );
        assert_eq!(rows[1].contribution, Decimal::ZERO);
        assert_eq!(
            rows[1].note.as_deref(),
            Some("not applicable to the client's variant")
        );
        let a = assess(&inputs, &levels, &rules, true).unwrap().unwrap();
        assert_eq!(
            (a.status, a.segment.as_deref()),
            ("scored", Some("all")),
            "no forced level, no missing input from another variant"
        );
        let a = assess(&inputs, &levels, &rules, false).unwrap().unwrap();
        assert_eq!((a.status, a.segment), ("unsegmented", None));
    }

    #[test]
    fn score_is_weighted_sum_of_answered_questions() {
        let (rows, total) = explain(
            &[
                input("size", "2", Some(("large", "10"))),
                input("traffic", "1.5", Some(("low", "-4"))),
                input("parking", "1", None),
            ],
            &Rules::default(),
        )
        .unwrap();
        assert_eq!(total, d("14"));
        assert_eq!(rows[0].contribution, d("20"));
        assert_eq!(rows[1].contribution, d("-6"));
        assert_eq!(rows[2].contribution, Decimal::ZERO);
        assert_eq!(rows[2].value, None);
        assert_eq!(rows[2].kind.as_str(), "question");
        assert_eq!(rows[2].points, None);
    }

    #[test]
    fn fractional_weights_are_exact() {
        let (_, total) = explain(
            &[
                input("a", "0.3333", Some(("x", "3"))),
                input("b", "0.3333", Some(("x", "3"))),
                input("c", "0.3334", Some(("x", "3"))),
            ],
            &Rules::default(),
        )
        .unwrap();
        assert_eq!(total, d("3"));
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let big = ExplainInput {
            position: 1,
            item: "q".into(),
            kind: InputKind::Question,
            weight: Decimal::MAX,
            value: Some("o".into()),
            points: Some(Decimal::MAX),
            required: false,
            hidden: false,
            answer_rows: 0,
            group: None,
            values: Vec::new(),
            applicable: true,
        };
        assert!(matches!(
            explain(&[big], &Rules::default()),
            Err(EngineError::Overflow { .. })
        ));
    }

    #[test]
    fn level_ranges_are_half_open() {
        let levels = vec![
            Level {
                name: "low".into(),
                min: Bound::NegInfinity,
                max: Bound::Finite(d("10")),
            },
            Level {
                name: "mid".into(),
                min: Bound::Finite(d("10")),
                max: Bound::Finite(d("20")),
            },
            Level {
                name: "top".into(),
                min: Bound::Finite(d("30")),
                max: Bound::PosInfinity,
            },
        ];
        assert_eq!(level_for(&levels, d("-1000")).unwrap().name, "low");
        assert_eq!(level_for(&levels, d("9.9999")).unwrap().name, "low");
        assert_eq!(level_for(&levels, d("10")).unwrap().name, "mid");
        assert!(
            level_for(&levels, d("20")).is_none(),
            "20 falls in the gap [20, 30)"
        );
        assert!(level_for(&levels, d("25")).is_none());
        assert_eq!(level_for(&levels, d("30")).unwrap().name, "top");
        assert_eq!(level_for(&levels, d("1e12")).unwrap().name, "top");
    }
}
