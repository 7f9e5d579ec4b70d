use super::model::{exact_add, exact_mul, EngineError, Level};
use rust_decimal::Decimal;

/// What an input of a scheme is; explanations name it in their `kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Question,
    Parameter,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Question => "question",
            InputKind::Parameter => "parameter",
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
    /// a parameter without which the client has no segment
    pub required: bool,
    /// a value the reader may not see (it may not read the columns it is computed from)
    pub hidden: bool,
    /// how many rows of the answers and picks tables give the value (1 for an answer, one per
    /// option picked for a multiple-choice question, 0 for none or a parameter): what the
    /// assignment's `answered` counts
    pub answer_rows: i32,
}

impl ExplainInput {
    /// An input that gives no points: no value, or a value that matches nothing.
    pub fn is_missing(&self) -> bool {
        self.points.is_none()
    }
}

/// One row of an explanation: what an input contributed to the client's score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainRow {
    pub position: i32,
    pub item: String,
    pub kind: InputKind,
    /// the chosen option's code, or the parameter's value
    pub value: Option<String>,
    pub points: Option<Decimal>,
    pub weight: Decimal,
    /// weight × points; zero for an input without points, which adds nothing.
    pub contribution: Decimal,
    /// why an input gives no points: a parameter that is missing, or missing and required
    /// (then the client has no segment); None otherwise
    pub note: Option<&'static str>,
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

/// Explains a score: one row per input, in the order given, and the total they add up to.
/// Inputs without points contribute nothing.
pub fn explain(inputs: &[ExplainInput]) -> Result<(Vec<ExplainRow>, Decimal), EngineError> {
    let mut total = Decimal::ZERO;
    let mut rows = Vec::with_capacity(inputs.len());
    for input in inputs {
        let value = match input.points {
            Some(points) => contribution(input.weight, points, &input.item)?,
            None => Decimal::ZERO,
        };
        total = exact_add(total, value).ok_or_else(|| EngineError::Overflow {
            what: "score".to_string(),
        })?;
        let note = match (input.kind, input.is_missing(), input.required, input.hidden) {
            (InputKind::Parameter, true, true, false) => Some("missing, required: no segment"),
            (InputKind::Parameter, true, true, true) => {
                Some("missing, required: no segment; value hidden (no SELECT on its columns)")
            }
            (InputKind::Parameter, true, false, false) => Some("missing"),
            (InputKind::Parameter, true, false, true) => {
                Some("missing; value hidden (no SELECT on its columns)")
            }
            (InputKind::Parameter, false, _, true) => {
                Some("value hidden (no SELECT on its columns)")
            }
            // a number question's answer that no range of the question holds
            (InputKind::Question, true, _, _) if input.value.is_some() => Some("in no range"),
            _ => None,
        };
        rows.push(ExplainRow {
            position: input.position,
            item: input.item.clone(),
            kind: input.kind,
            value: input.value.clone(),
            points: input.points,
            weight: input.weight,
            contribution: value,
            note,
        });
    }
    Ok((rows, total))
}

/// What a client's inputs make of it in a scheme: None when it has no input value at all (no
/// answer, every parameter NULL: no assignment); else its score and segment, which is None
/// when a required input is missing or the score falls between levels.
pub fn assess<'l>(
    inputs: &[ExplainInput],
    levels: &'l [Level],
) -> Result<Option<(Decimal, Option<&'l Level>)>, EngineError> {
    if inputs.iter().all(|i| i.value.is_none()) {
        return Ok(None);
    }
    let (_, total) = explain(inputs)?;
    let incomplete = inputs.iter().any(|i| i.required && i.is_missing());
    let level = if incomplete {
        None
    } else {
        level_for(levels, total)
    };
    Ok(Some((total, level)))
}

/// What an assignment's status says for these inputs and the level its score falls in:
/// `incomplete` (a required input is missing), `unsegmented` (no level holds the score) or
/// `scored` — the rule of the assignments' generated status column.
pub fn status_for(inputs: &[ExplainInput], level: Option<&Level>) -> &'static str {
    if inputs.iter().any(|i| i.required && i.is_missing()) {
        "incomplete"
    } else if level.is_none() {
        "unsegmented"
    } else {
        "scored"
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
        let (rows, total) = explain(&inputs).unwrap();
        assert_eq!(total, d("16"));
        assert_eq!(rows[1].kind.as_str(), "parameter");
        assert_eq!(rows[1].note, None);
        assert_eq!(
            rows[2].value.as_deref(),
            Some("mars"),
            "an unmatched value is shown"
        );
        assert_eq!(rows[2].note, Some("missing"));
        let levels = levels();
        let (score, level) = assess(&inputs, &levels).unwrap().unwrap();
        assert_eq!(
            (score, level.map(|l| l.name.as_str())),
            (d("16"), Some("all"))
        );
    }

    #[test]
    fn a_missing_required_parameter_leaves_no_segment() {
        let levels = levels();
        let inputs = [
            input("size", "1", Some(("large", "10"))),
            parameter("region", None, None, true),
        ];
        let (rows, _) = explain(&inputs).unwrap();
        assert_eq!(rows[1].note, Some("missing, required: no segment"));
        assert_eq!(assess(&inputs, &levels).unwrap(), Some((d("10"), None)));
        let nothing = [
            input("size", "1", None),
            parameter("region", None, None, true),
        ];
        assert_eq!(
            assess(&nothing, &levels).unwrap(),
            None,
            "no input value: no assignment"
        );
    }

    #[test]
    fn a_number_in_no_range_counts_as_answered_without_points() {
        let mut counters = input("checkouts", "2", None);
        counters.value = Some("-3".to_string()); // answered, but no range holds it
        let inputs = [input("size", "1", Some(("large", "10"))), counters];
        let (rows, total) = explain(&inputs).unwrap();
        assert_eq!(total, d("10"));
        assert_eq!(rows[1].contribution, Decimal::ZERO);
        assert_eq!(rows[1].note, Some("in no range"));
        assert_eq!(rows[0].note, None);
        // an unanswered question has no note
        let (rows, _) = explain(&[input("size", "1", None)]).unwrap();
        assert_eq!(rows[0].note, None);
        let levels = levels();
        let (score, level) = assess(&inputs, &levels).unwrap().unwrap();
        assert_eq!(score, d("10"));
        assert_eq!(status_for(&inputs, level), status_for(&inputs[..1], level));
    }

    #[test]
    fn score_is_weighted_sum_of_answered_questions() {
        let (rows, total) = explain(&[
            input("size", "2", Some(("large", "10"))),
            input("traffic", "1.5", Some(("low", "-4"))),
            input("parking", "1", None),
        ])
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
        let (_, total) = explain(&[
            input("a", "0.3333", Some(("x", "3"))),
            input("b", "0.3333", Some(("x", "3"))),
            input("c", "0.3334", Some(("x", "3"))),
        ])
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
        };
        assert!(matches!(explain(&[big]), Err(EngineError::Overflow { .. })));
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
