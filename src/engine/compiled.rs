//! The configuration of every scheme compiled for the hot path: what one changed answer adds
//! to a client's score, without asking the database.

use super::model::{exact_add, exact_mul, exact_sub, EngineError, Level};
use super::ruled::RuledScheme;
use super::score::level_for;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledQuestion {
    pub scheme_id: i32,
    pub entity_id: i32,
    pub version: i32,
    pub weight: Decimal,
}

/// A scheme's identity and configuration generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledScheme {
    pub name: String,
    pub entity_id: i32,
    pub version: i32,
}

/// Questions and option points of all schemes, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompiledConfig {
    /// scheme id → its name, client table and version, for every scheme (with or without
    /// questions)
    pub schemes: HashMap<i32, CompiledScheme>,
    pub questions: HashMap<i32, CompiledQuestion>,
    /// option id → (question id, points)
    pub options: HashMap<i32, (i32, Decimal)>,
    /// scheme id → its levels
    pub levels: HashMap<i32, Vec<Level>>,
    /// scheme name → scheme id
    pub scheme_names: HashMap<String, i32>,
    /// (scheme id, question code) → question id
    pub question_codes: HashMap<(i32, String), i32>,
    /// (question id, option code) → option id
    pub option_codes: HashMap<(i32, String), i32>,
    /// schemes with parameters: their scores depend on client data the engine does not hold
    /// (missing required parameters, a client's first answer), so SQL scores their answers
    pub parameter_schemes: HashSet<i32>,
    /// ruled schemes (groups, required questions, forced levels): a score is no sum of
    /// deltas there, so SQL recomputes their clients from scratch
    pub ruled_schemes: HashSet<i32>,
    /// scheme id → the client column that selects its variants (an update of it re-scores the
    /// client)
    pub variant_columns: HashMap<i32, String>,
    /// ruled schemes without parameters, compiled whole: one client's write recomputes its
    /// assignment from its answers with them (`RuledScheme::assess`)
    pub ruled: HashMap<i32, RuledScheme>,
    /// question id → its scheme, for the questions of the schemes in `ruled`
    pub ruled_questions: HashMap<i32, i32>,
}

/// The ids an answer's codes name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerTarget {
    pub scheme_id: i32,
    pub entity_id: i32,
    pub question_id: i32,
    /// None when no option was named (a removal)
    pub option_id: Option<i32>,
}

/// A ruled scheme compiled whole, as an answer to one of its questions finds it.
#[derive(Debug, Clone, Copy)]
pub struct RuledTarget<'a> {
    pub scheme_id: i32,
    pub version: i32,
    pub scheme: &'a RuledScheme,
}

/// What one answer change does to one client's assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerDelta {
    pub scheme_id: i32,
    pub version: i32,
    /// weight × (new points − old points)
    pub score: Decimal,
    /// +1 for a new answer, −1 for a removed one, 0 for a changed one
    pub answered: i32,
}

impl CompiledConfig {
    /// The delta of changing a client's answer to `question_id` from `old_option` to
    /// `new_option` (None: no answer). None when the change is not one this entity's
    /// configuration explains (unknown ids, an option of another question, a question of a
    /// scheme over another client table): the caller then takes the general path.
    pub fn answer_delta(
        &self,
        entity_id: i32,
        question_id: i32,
        new_option: Option<i32>,
        old_option: Option<i32>,
    ) -> Result<Option<AnswerDelta>, EngineError> {
        let Some(question) = self.questions.get(&question_id) else {
            return Ok(None);
        };
        if question.entity_id != entity_id
            || self.parameter_schemes.contains(&question.scheme_id)
            || self.ruled_schemes.contains(&question.scheme_id)
        {
            return Ok(None);
        }
        let points = |option: Option<i32>| -> Option<Decimal> {
            match option {
                None => Some(Decimal::ZERO),
                Some(id) => match self.options.get(&id) {
                    Some((q, p)) if *q == question_id => Some(*p),
                    _ => None,
                },
            }
        };
        let (Some(new_points), Some(old_points)) = (points(new_option), points(old_option)) else {
            return Ok(None);
        };
        // a change the engine cannot compute exactly is left to SQL's numeric
        let Some(score) = exact_sub(new_points, old_points)
            .and_then(|difference| exact_mul(question.weight, difference))
        else {
            return Ok(None);
        };
        Ok(Some(AnswerDelta {
            scheme_id: question.scheme_id,
            version: question.version,
            score: score.normalize(),
            answered: i32::from(new_option.is_some()) - i32::from(old_option.is_some()),
        }))
    }

    /// Whether `question_id` is a single-choice question of a ruled scheme over this entity's
    /// client table: its answers are scored by recomputing the client, never by a delta.
    pub fn ruled_question(&self, entity_id: i32, question_id: i32) -> bool {
        self.questions
            .get(&question_id)
            .is_some_and(|q| q.entity_id == entity_id && self.ruled_schemes.contains(&q.scheme_id))
    }

    /// The ruled scheme of a question over this entity's client table, compiled whole for one
    /// client's recompute; None for any other question, for a ruled scheme with parameters,
    /// and for every question of a client table some scheme with parameters is over (an
    /// answer there has SQL evaluate the client's parameters anew).
    pub fn ruled_scheme_of(&self, entity_id: i32, question_id: i32) -> Option<RuledTarget<'_>> {
        let scheme_id = *self.ruled_questions.get(&question_id)?;
        let of_entity = |id: &i32| {
            self.schemes
                .get(id)
                .is_some_and(|s| s.entity_id == entity_id)
        };
        if !of_entity(&scheme_id) || self.parameter_schemes.iter().any(of_entity) {
            return None;
        }
        Some(RuledTarget {
            scheme_id,
            version: self.schemes.get(&scheme_id)?.version,
            scheme: self.ruled.get(&scheme_id)?,
        })
    }

    /// Those of the schemes `ids` that are over the entity's client table, in id order (one
    /// entry each).
    pub fn entity_schemes<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a i32>,
        entity_id: i32,
    ) -> Vec<i32> {
        let mut of_entity: Vec<i32> = ids
            .into_iter()
            .copied()
            .filter(|id| {
                self.schemes
                    .get(id)
                    .is_some_and(|s| s.entity_id == entity_id)
            })
            .collect();
        of_entity.sort_unstable();
        of_entity.dedup();
        of_entity
    }
}

impl CompiledConfig {
    /// The ids of a scheme name, question code and (for an answer) option code; None when any
    /// of them is unknown (the caller's SQL look-up then says which, listing the known ones).
    pub fn answer_target(
        &self,
        scheme: &str,
        question: &str,
        option: Option<&str>,
    ) -> Option<AnswerTarget> {
        let scheme_id = *self.scheme_names.get(scheme)?;
        let entity_id = self.schemes.get(&scheme_id)?.entity_id;
        let question_id = *self
            .question_codes
            .get(&(scheme_id, question.to_string()))?;
        let option_id = match option {
            Some(code) => Some(*self.option_codes.get(&(question_id, code.to_string()))?),
            None => None,
        };
        Some(AnswerTarget {
            scheme_id,
            entity_id,
            question_id,
            option_id,
        })
    }

    /// The first scheme of `entity_id` whose version (or existence) differs between this
    /// configuration and `seen`, the (scheme id, name, version) triples another snapshot shows:
    /// its name, the version in `seen` (None: missing there) and the version here (None:
    /// missing here).
    pub fn first_difference(
        &self,
        entity_id: i32,
        seen: &[(i32, String, i32)],
    ) -> Option<(String, Option<i32>, Option<i32>)> {
        for (id, name, version) in seen {
            let current = self.schemes.get(id).filter(|s| s.entity_id == entity_id);
            if current.map(|s| s.version) != Some(*version) {
                return Some((name.clone(), Some(*version), current.map(|s| s.version)));
            }
        }
        let mut missing: Vec<(&i32, &CompiledScheme)> = self
            .schemes
            .iter()
            .filter(|(id, s)| s.entity_id == entity_id && !seen.iter().any(|(i, _, _)| i == *id))
            .collect();
        missing.sort_by_key(|(id, _)| **id);
        missing
            .first()
            .map(|(_, s)| (s.name.clone(), None, Some(s.version)))
    }

    /// A client's score after `delta`, and the level of the scheme it falls in (None: a gap).
    /// The score is normalized like `trim_scale` does in SQL.
    pub fn rescore(
        &self,
        delta: &AnswerDelta,
        old_score: Decimal,
    ) -> Result<(Decimal, Option<&str>), EngineError> {
        let score = exact_add(old_score, delta.score).ok_or_else(|| EngineError::Overflow {
            what: format!("score {old_score} + {}", delta.score),
        })?;
        // normalize() also turns a negative zero into zero
        let score = if score.is_zero() {
            Decimal::ZERO
        } else {
            score.normalize()
        };
        let levels = self.levels.get(&delta.scheme_id).map(Vec::as_slice);
        let level = level_for(levels.unwrap_or_default(), score).map(|l| l.name.as_str());
        Ok((score, level))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::Bound;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn config() -> CompiledConfig {
        let mut c = CompiledConfig::default();
        c.questions.insert(
            1,
            CompiledQuestion {
                scheme_id: 7,
                entity_id: 3,
                version: 4,
                weight: d("1.5"),
            },
        );
        c.questions.insert(
            2,
            CompiledQuestion {
                scheme_id: 8,
                entity_id: 9,
                version: 1,
                weight: d("1"),
            },
        );
        c.options.insert(10, (1, d("4")));
        c.options.insert(11, (1, d("-2")));
        c.options.insert(20, (2, d("5")));
        c.levels.insert(
            7,
            vec![
                Level {
                    name: "low".into(),
                    min: Bound::NegInfinity,
                    max: Bound::Finite(d("10")),
                },
                Level {
                    name: "high".into(),
                    min: Bound::Finite(d("12.5")),
                    max: Bound::PosInfinity,
                },
            ],
        );
        c
    }

    #[test]
    fn a_scheme_with_parameters_leaves_answers_to_sql() {
        let mut c = config();
        assert!(c.answer_delta(3, 1, Some(10), Some(11)).unwrap().is_some());
        let scheme_id = c.questions[&1].scheme_id;
        c.parameter_schemes.insert(scheme_id);
        assert_eq!(c.answer_delta(3, 1, Some(10), Some(11)).unwrap(), None);
    }

    #[test]
    fn rescore_adds_the_delta_and_finds_the_level() {
        let c = config();
        let delta = c.answer_delta(3, 1, Some(10), Some(11)).unwrap().unwrap(); // +9
        assert_eq!(
            c.rescore(&delta, d("0.50")).unwrap(),
            (d("9.5"), Some("low"))
        );
        assert_eq!(c.rescore(&delta, d("1")).unwrap(), (d("10"), None), "a gap");
        assert_eq!(
            c.rescore(&delta, d("3.5")).unwrap(),
            (d("12.5"), Some("high"))
        );
        let (score, _) = c.rescore(&delta, d("-9.000")).unwrap();
        assert_eq!(score.to_string(), "0", "trimmed, no negative zero");
        assert!(c.rescore(&delta, Decimal::MAX).is_err());
    }

    #[test]
    fn changed_answer_moves_score_by_weighted_difference() {
        let delta = config()
            .answer_delta(3, 1, Some(11), Some(10))
            .unwrap()
            .unwrap();
        assert_eq!(
            delta,
            AnswerDelta {
                scheme_id: 7,
                version: 4,
                score: d("-9"),
                answered: 0
            }
        );
    }

    #[test]
    fn new_and_removed_answers_count() {
        let c = config();
        let added = c.answer_delta(3, 1, Some(10), None).unwrap().unwrap();
        assert_eq!((added.score, added.answered), (d("6"), 1));
        let removed = c.answer_delta(3, 1, None, Some(10)).unwrap().unwrap();
        assert_eq!((removed.score, removed.answered), (d("-6"), -1));
    }

    #[test]
    fn unexplained_changes_take_the_general_path() {
        let c = config();
        assert_eq!(
            c.answer_delta(3, 99, Some(10), None).unwrap(),
            None,
            "unknown question"
        );
        assert_eq!(
            c.answer_delta(3, 2, Some(20), None).unwrap(),
            None,
            "question of another entity"
        );
        assert_eq!(
            c.answer_delta(3, 1, Some(20), None).unwrap(),
            None,
            "option of another question"
        );
        assert_eq!(
            c.answer_delta(3, 1, None, Some(12)).unwrap(),
            None,
            "option deleted meanwhile"
        );
    }

    #[test]
    fn snapshot_differences_name_the_scheme() {
        let mut c = config();
        let scheme = |name: &str, entity_id, version| CompiledScheme {
            name: name.into(),
            entity_id,
            version,
        };
        c.schemes.insert(7, scheme("seven", 3, 4));
        c.schemes.insert(8, scheme("eight", 9, 1));
        let seen = vec![(7, "seven".to_string(), 4)];
        assert_eq!(c.first_difference(3, &seen), None, "same versions");
        assert_eq!(
            c.first_difference(9, &[]),
            Some(("eight".into(), None, Some(1)))
        );
        let older = vec![(7, "seven".to_string(), 3)];
        assert_eq!(
            c.first_difference(3, &older),
            Some(("seven".into(), Some(3), Some(4))),
            "a version committed after the snapshot"
        );
        let gone = vec![(7, "seven".to_string(), 4), (5, "five".to_string(), 2)];
        assert_eq!(
            c.first_difference(3, &gone),
            Some(("five".into(), Some(2), None)),
            "a scheme dropped after the snapshot"
        );
        c.schemes.insert(6, scheme("six", 3, 1));
        assert_eq!(
            c.first_difference(3, &seen),
            Some(("six".into(), None, Some(1))),
            "a scheme created after the snapshot"
        );
    }

    #[test]
    fn a_change_beyond_exact_arithmetic_is_left_to_sql() {
        let mut c = config();
        c.questions.get_mut(&1).unwrap().weight = Decimal::MAX;
        c.options.insert(12, (1, Decimal::MAX));
        assert_eq!(c.answer_delta(3, 1, Some(12), Some(11)), Ok(None));
        // a product that would lose digits after the point
        c.questions.get_mut(&1).unwrap().weight = Decimal::from_str("0.0000000000000001").unwrap();
        c.options
            .insert(12, (1, Decimal::from_str("0.0000000000000001").unwrap()));
        c.options.insert(11, (1, Decimal::ZERO));
        assert_eq!(c.answer_delta(3, 1, Some(12), Some(11)), Ok(None));
    }

    #[test]
    fn answer_target_resolves_codes_and_refuses_unknown_ones() {
        let mut c = config();
        c.schemes.insert(
            7,
            CompiledScheme {
                name: "outlet".into(),
                entity_id: 3,
                version: 4,
            },
        );
        c.scheme_names.insert("outlet".into(), 7);
        c.question_codes.insert((7, "size".into()), 1);
        c.option_codes.insert((1, "large".into()), 10);
        let target = c.answer_target("outlet", "size", Some("large")).unwrap();
        assert_eq!(
            target,
            AnswerTarget {
                scheme_id: 7,
                entity_id: 3,
                question_id: 1,
                option_id: Some(10)
            }
        );
        assert_eq!(
            c.answer_target("outlet", "size", None).unwrap().option_id,
            None
        );
        assert!(c.answer_target("outlet", "size", Some("huge")).is_none());
        assert!(c.answer_target("outlet", "floor", Some("large")).is_none());
        assert!(c.answer_target("other", "size", Some("large")).is_none());
        // codes are per parent: option 10 belongs to question 1 only
        c.question_codes.insert((7, "traffic".into()), 2);
        assert!(c
            .answer_target("outlet", "traffic", Some("large"))
            .is_none());
    }
}
