//! A ruled scheme (groups, required questions, forced levels, variants) compiled for one
//! client's write: its questions with their options and ranges, its rules, variants and levels,
//! so that a client's answers give its whole assignment without SQL. The assessment itself is
//! `score::assess`, the one explain and verify use; this module only turns a client's answer
//! rows into its inputs as `verify_inputs.sql` does.

use super::model::{Bound, EngineError, Level};
use super::score::{assess, ExplainInput, InputKind, Rules};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    /// one option (a row of the answers table)
    Single,
    /// any options (rows of the picks table): their points add up
    Multiple,
    /// a number (a row of the answers table with a value), points by range
    Number,
}

impl QuestionKind {
    pub fn parse(kind: &str) -> Option<QuestionKind> {
        match kind {
            "single" => Some(QuestionKind::Single),
            "multiple" => Some(QuestionKind::Multiple),
            "number" => Some(QuestionKind::Number),
            _ => None,
        }
    }
}

/// A number question's range: values in [min, max) give `points`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsRange {
    pub min: Bound,
    pub max: Bound,
    pub points: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuledQuestion {
    pub question_id: i32,
    pub code: String,
    pub position: i32,
    pub weight: Decimal,
    pub kind: QuestionKind,
    pub required: bool,
    /// the code of its group, if any
    pub group: Option<String>,
    /// the codes of the variants it is attached to; empty: it counts for every variant
    pub variants: Vec<String>,
    pub ranges: Vec<PointsRange>,
}

/// A variant: the clients whose variant column's text form is one of `values`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuledVariant {
    pub code: String,
    pub values: Vec<String>,
    /// its own levels (ordered by lower bound); empty: the scheme's segment its clients
    pub levels: Vec<Level>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuledScheme {
    /// every question, in display order (position, then code)
    pub questions: Vec<RuledQuestion>,
    /// option id → its question's id, code and points, for the options of these questions
    pub options: HashMap<i32, (i32, String, Decimal)>,
    pub rules: Rules,
    /// the scheme's own levels, ordered by lower bound
    pub levels: Vec<Level>,
    /// None when the scheme selects no variants (every question counts, its levels segment
    /// every client); else its variants (possibly none yet)
    pub variants: Option<Vec<RuledVariant>>,
}

/// One row of a client's answers or picks: an option chosen, or a number answer's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAnswer {
    pub question_id: i32,
    pub option_id: Option<i32>,
    pub value: Option<Decimal>,
    /// a row of the picks table (a multiple-choice question's), not of the answers table
    pub picked: bool,
}

/// A client's whole assignment in a ruled scheme, as recompute_ruled.sql writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuledAssignment {
    /// normalized, as `trim_scale` leaves it
    pub score: Decimal,
    pub segment: Option<String>,
    /// rows of the answers and picks tables given to the scheme's questions, counting or not
    pub answered: i32,
    /// required questions the client lacks, in display order; None when none
    pub missing: Option<Vec<String>>,
    /// the code of the question whose answer forced the segment
    pub forced: Option<String>,
    pub status: &'static str,
}

impl RuledScheme {
    /// The client's assignment from its answer rows (`answers`: any of the client's rows;
    /// those of other schemes' questions are ignored) and its variant column's text form
    /// (None: NULL). None when it gave no answer to the scheme (no assignment). An error when
    /// a row is not one this scheme's configuration explains (an option of another question, a
    /// value for a choice question): the caller leaves such a client to SQL.
    pub fn assess(
        &self,
        answers: &[ClientAnswer],
        variant_value: Option<&str>,
    ) -> Result<Option<RuledAssignment>, EngineError> {
        let variant = match (&self.variants, variant_value) {
            (None, _) => None,
            (Some(variants), Some(value)) => variants
                .iter()
                .find(|v| v.values.iter().any(|x| x == value)),
            (Some(_), None) => None,
        };
        let mut inputs = Vec::with_capacity(self.questions.len());
        let mut answered = 0;
        for question in &self.questions {
            let rows: Vec<&ClientAnswer> = answers
                .iter()
                .filter(|a| a.question_id == question.question_id)
                .collect();
            answered += rows.len() as i32;
            let applicable = self.variants.is_none()
                || question.variants.is_empty()
                || variant.is_some_and(|v| question.variants.contains(&v.code));
            inputs.push(self.input(question, &rows, applicable)?);
        }
        let (levels, matched) = match (&self.variants, variant) {
            (None, _) => (self.levels.as_slice(), true),
            (Some(_), Some(v)) if !v.levels.is_empty() => (v.levels.as_slice(), true),
            (Some(_), Some(_)) => (self.levels.as_slice(), true),
            (Some(_), None) => (self.levels.as_slice(), false),
        };
        let Some(assessment) = assess(&inputs, levels, &self.rules, matched)? else {
            return Ok(None);
        };
        let mut lacking: Vec<&ExplainInput> =
            inputs.iter().filter(|i| i.lacks_required()).collect();
        lacking.sort_by(|a, b| (a.position, &a.item).cmp(&(b.position, &b.item)));
        let missing =
            (!lacking.is_empty()).then(|| lacking.iter().map(|i| i.item.clone()).collect());
        let forced = self
            .rules
            .forced_level(&inputs)
            .map(|rule| rule.item.clone());
        let score = if assessment.score.is_zero() {
            Decimal::ZERO
        } else {
            assessment.score.normalize()
        };
        Ok(Some(RuledAssignment {
            score,
            segment: assessment.segment,
            answered,
            missing,
            forced,
            status: assessment.status,
        }))
    }

    /// The question's input for a client whose rows for it are `rows`.
    fn input(
        &self,
        question: &RuledQuestion,
        rows: &[&ClientAnswer],
        applicable: bool,
    ) -> Result<ExplainInput, EngineError> {
        let unexplained = || EngineError::UnexplainedAnswer {
            question: question.code.clone(),
        };
        let mut value = None;
        let mut points = None;
        let mut values = Vec::new();
        // each kind's rows in their own table (the answers trigger refuses the others)
        if rows
            .iter()
            .any(|row| row.picked != (question.kind == QuestionKind::Multiple))
        {
            return Err(unexplained());
        }
        match question.kind {
            QuestionKind::Single | QuestionKind::Multiple => {
                let mut codes: Vec<&str> = Vec::with_capacity(rows.len());
                let mut sum = Decimal::ZERO;
                for row in rows {
                    let option = row.option_id.and_then(|id| self.options.get(&id));
                    let Some((_, code, option_points)) =
                        option.filter(|(q, _, _)| *q == question.question_id)
                    else {
                        return Err(unexplained());
                    };
                    codes.push(code);
                    sum = super::model::exact_add(sum, *option_points).ok_or_else(unexplained)?;
                }
                if question.kind == QuestionKind::Single && rows.len() > 1 {
                    return Err(unexplained());
                }
                if !rows.is_empty() {
                    value = Some(codes.join(", "));
                    points = Some(sum);
                    values = codes.into_iter().map(str::to_string).collect();
                }
            }
            QuestionKind::Number => match rows {
                [] => {}
                [row] => {
                    let Some(number) = row.value.filter(|_| row.option_id.is_none()) else {
                        return Err(unexplained());
                    };
                    let trimmed = if number.is_zero() {
                        Decimal::ZERO
                    } else {
                        number.normalize()
                    };
                    value = Some(trimmed.to_string());
                    values = vec![trimmed.to_string()];
                    let at = Bound::Finite(number);
                    points = question
                        .ranges
                        .iter()
                        .find(|r| r.min <= at && at < r.max)
                        .map(|r| r.points);
                }
                _ => return Err(unexplained()),
            },
        }
        Ok(ExplainInput {
            position: question.position,
            item: question.code.clone(),
            kind: InputKind::Question,
            weight: question.weight,
            answer_rows: rows.len() as i32,
            value,
            points,
            required: question.required,
            hidden: false,
            group: question.group.clone(),
            values,
            applicable,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::score::{ForcedRule, GroupRule};
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn question(id: i32, code: &str, kind: QuestionKind) -> RuledQuestion {
        RuledQuestion {
            question_id: id,
            code: code.to_string(),
            position: id,
            weight: Decimal::ONE,
            kind,
            required: false,
            group: None,
            variants: Vec::new(),
            ranges: Vec::new(),
        }
    }

    fn level(name: &str, min: &str, max: &str) -> Level {
        Level {
            name: name.to_string(),
            min: Bound::parse(min).unwrap(),
            max: Bound::parse(max).unwrap(),
        }
    }

    fn option(question_id: i32, option_id: i32) -> ClientAnswer {
        ClientAnswer {
            question_id,
            option_id: Some(option_id),
            value: None,
            picked: question_id == 2,
        }
    }

    /// q1 single (options 11: 5 points, 12: 2), q2 multiple (21: 3, 22: 4), q3 number
    /// ([0, 10): 1, [10, ∞): 6), q1 and q2 in a group capped at 7; levels low [-∞, 8), high
    /// [8, ∞).
    fn scheme() -> RuledScheme {
        let mut q1 = question(1, "q1", QuestionKind::Single);
        q1.group = Some("g".into());
        let mut q2 = question(2, "q2", QuestionKind::Multiple);
        q2.group = Some("g".into());
        let mut q3 = question(3, "q3", QuestionKind::Number);
        q3.ranges = vec![
            PointsRange {
                min: Bound::Finite(d("0")),
                max: Bound::Finite(d("10")),
                points: d("1"),
            },
            PointsRange {
                min: Bound::Finite(d("10")),
                max: Bound::PosInfinity,
                points: d("6"),
            },
        ];
        let options = [
            (11, (1, "a", "5")),
            (12, (1, "b", "2")),
            (21, (2, "x", "3")),
            (22, (2, "y", "4")),
        ]
        .into_iter()
        .map(|(id, (q, code, points))| (id, (q, code.to_string(), d(points))))
        .collect();
        RuledScheme {
            questions: vec![q1, q2, q3],
            options,
            rules: Rules {
                groups: vec![GroupRule {
                    code: "g".into(),
                    min: None,
                    max: Some(d("7")),
                }],
                forced: Vec::new(),
            },
            levels: vec![
                level("low", "-Infinity", "8"),
                level("high", "8", "Infinity"),
            ],
            variants: None,
        }
    }

    #[test]
    fn caps_sum_and_counts_every_row() {
        let s = scheme();
        let answers = [option(1, 11), option(2, 21), option(2, 22), option(9, 99)];
        let a = s.assess(&answers, None).unwrap().unwrap();
        // min(5 + 3 + 4, 7) = 7; the row of another scheme's question is not counted
        assert_eq!(a.score, d("7"));
        assert_eq!(a.answered, 3);
        assert_eq!(a.segment.as_deref(), Some("low"));
        assert_eq!(a.status, "scored");
        let mut more = answers.to_vec();
        more.push(ClientAnswer {
            question_id: 3,
            option_id: None,
            picked: false,
            value: Some(d("12.50")),
        });
        let a = s.assess(&more, None).unwrap().unwrap();
        assert_eq!(a.score, d("13"));
        assert_eq!(a.segment.as_deref(), Some("high"));
    }

    #[test]
    fn no_answer_no_assignment() {
        assert_eq!(scheme().assess(&[option(9, 99)], None).unwrap(), None);
    }

    #[test]
    fn required_forced_and_missing() {
        let mut s = scheme();
        s.questions[2].required = true;
        let a = s.assess(&[option(1, 12)], None).unwrap().unwrap();
        assert_eq!(a.missing, Some(vec!["q3".to_string()]));
        assert_eq!((a.segment, a.status), (None, "incomplete"));
        s.rules.forced.push(ForcedRule {
            item: "q3".into(),
            value: "12.5".into(),
            level: "high".into(),
        });
        s.rules.forced.push(ForcedRule {
            item: "q1".into(),
            value: "b".into(),
            level: "low".into(),
        });
        let answers = [
            option(1, 12),
            ClientAnswer {
                question_id: 3,
                option_id: None,
                value: Some(d("12.500")),
                picked: false,
            },
        ];
        let a = s.assess(&answers, None).unwrap().unwrap();
        // the number rule, defined first, wins; its value compares with the scale trimmed
        assert_eq!(a.forced.as_deref(), Some("q3"));
        assert_eq!((a.segment.as_deref(), a.status), (Some("high"), "forced"));
        assert_eq!(a.missing, None);
    }

    #[test]
    fn variants_choose_questions_and_levels() {
        let mut s = scheme();
        s.questions[2].variants = vec!["kiosk".into()];
        s.variants = Some(vec![
            RuledVariant {
                code: "kiosk".into(),
                values: vec!["k".into()],
                levels: vec![level("small", "-Infinity", "Infinity")],
            },
            RuledVariant {
                code: "shop".into(),
                values: vec!["s".into(), "m".into()],
                levels: Vec::new(),
            },
        ]);
        let answers = [
            option(1, 11),
            ClientAnswer {
                question_id: 3,
                option_id: None,
                value: Some(d("20")),
                picked: false,
            },
        ];
        let kiosk = s.assess(&answers, Some("k")).unwrap().unwrap();
        assert_eq!(
            (kiosk.score, kiosk.segment.as_deref()),
            (d("11"), Some("small"))
        );
        let shop = s.assess(&answers, Some("m")).unwrap().unwrap();
        // q3 is the kiosks' only: kept and counted in answered, but gives nothing
        assert_eq!((shop.score, shop.answered), (d("5"), 2));
        assert_eq!(shop.segment.as_deref(), Some("low"));
        let none = s.assess(&answers, None).unwrap().unwrap();
        assert_eq!((none.segment, none.status), (None, "unsegmented"));
        let other = s.assess(&answers, Some("x")).unwrap().unwrap();
        assert_eq!(other.status, "unsegmented");
    }

    #[test]
    fn rows_the_configuration_does_not_explain() {
        let s = scheme();
        assert!(s.assess(&[option(1, 21)], None).is_err());
        assert!(s.assess(&[option(1, 11), option(1, 12)], None).is_err());
        let value_for_choice = ClientAnswer {
            question_id: 1,
            option_id: None,
            picked: false,
            value: Some(d("1")),
        };
        assert!(s.assess(&[value_for_choice], None).is_err());
    }
}
