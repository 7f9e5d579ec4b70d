use super::model::{EngineError, Level};
use rust_decimal::Decimal;

/// What an input of a scheme is; explanations name it in their `kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Question,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Question => "question",
        }
    }
}

/// One input of a scheme (a question) together with the client's value for it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainInput {
    pub position: i32,
    /// the input's code
    pub item: String,
    pub kind: InputKind,
    pub weight: Decimal,
    /// The value (a question's chosen option code) and its points, or None when unanswered.
    pub answer: Option<(String, Decimal)>,
}

/// One row of an explanation: what an input contributed to the client's score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainRow {
    pub position: i32,
    pub item: String,
    pub kind: InputKind,
    /// the chosen option's code
    pub value: Option<String>,
    pub points: Option<Decimal>,
    pub weight: Decimal,
    /// weight × points; zero for an unanswered question, which adds nothing.
    pub contribution: Decimal,
}

/// Weight × points, exactly.
pub fn contribution(
    weight: Decimal,
    points: Decimal,
    question: &str,
) -> Result<Decimal, EngineError> {
    weight
        .checked_mul(points)
        .ok_or_else(|| EngineError::Overflow {
            what: format!("contribution of question \"{question}\""),
        })
}

/// Explains a score: one row per input, in the order given, and the total they add up to.
/// Unanswered questions contribute nothing.
pub fn explain(inputs: &[ExplainInput]) -> Result<(Vec<ExplainRow>, Decimal), EngineError> {
    let mut total = Decimal::ZERO;
    let mut rows = Vec::with_capacity(inputs.len());
    for input in inputs {
        let (answer, points, value) = match &input.answer {
            Some((code, points)) => (
                Some(code.clone()),
                Some(*points),
                contribution(input.weight, *points, &input.item)?,
            ),
            None => (None, None, Decimal::ZERO),
        };
        total = total
            .checked_add(value)
            .ok_or_else(|| EngineError::Overflow {
                what: "score".to_string(),
            })?;
        rows.push(ExplainRow {
            position: input.position,
            item: input.item.clone(),
            kind: input.kind,
            value: answer,
            points,
            weight: input.weight,
            contribution: value,
        });
    }
    Ok((rows, total))
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
            answer: answer.map(|(c, p)| (c.to_string(), d(p))),
        }
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
            answer: Some(("o".into(), Decimal::MAX)),
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
