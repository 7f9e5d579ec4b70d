use rust_decimal::Decimal;
use std::fmt;

/// What the engine refuses. The SQL layer maps each case to an SQLSTATE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// A number the engine cannot represent exactly (too many digits).
    InvalidNumber(String),
    /// Arithmetic left the range the engine computes exactly.
    Overflow { what: String },
    /// A code or name that is empty or blank.
    BlankCode { what: &'static str },
    /// A level whose lower bound is not below its upper bound.
    EmptyRange {
        level: String,
        min: Bound,
        max: Bound,
    },
    /// A value range (of a parameter or a number question) whose lower bound is not below its
    /// upper bound.
    EmptyValueRange {
        /// "parameter" or "question"
        item_kind: &'static str,
        parameter: String,
        min: Bound,
        max: Bound,
    },
    /// A weight outside [0, 1000000] or with more than 4 decimal places.
    WeightOutOfRange { weight: String },
    /// Points outside (-1e9, 1e9) or with more than 4 decimal places.
    PointsOutOfRange { points: String },
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::InvalidNumber(text) => {
                write!(f, "number {text} cannot be used for scoring")
            }
            EngineError::Overflow { what } => write!(f, "{what} is out of range"),
            EngineError::BlankCode { what } => write!(f, "{what} must not be empty"),
            EngineError::EmptyRange { level, min, max } => write!(
                f,
                "level \"{level}\" has min_score {min} not below max_score {max}"
            ),
            EngineError::EmptyValueRange {
                item_kind,
                parameter,
                min,
                max,
            } => write!(
                f,
                "range of {item_kind} \"{parameter}\" has min_value {min} not below max_value {max}"
            ),
            EngineError::WeightOutOfRange { weight } => {
                write!(f, "weight {weight} is out of range")
            }
            EngineError::PointsOutOfRange { points } => {
                write!(f, "points {points} are out of range")
            }
        }
    }
}

/// One end of a level's score range. PostgreSQL's numeric infinities stand for an open end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    NegInfinity,
    Finite(Decimal),
    PosInfinity,
}

impl Bound {
    /// Parses the text form PostgreSQL prints for a numeric: digits, or `Infinity`/`-Infinity`.
    pub fn parse(text: &str) -> Result<Bound, EngineError> {
        match text.trim() {
            "Infinity" | "+Infinity" => Ok(Bound::PosInfinity),
            "-Infinity" => Ok(Bound::NegInfinity),
            other => parse_decimal(other).map(Bound::Finite),
        }
    }

    fn rank(&self) -> (i8, Decimal) {
        match self {
            Bound::NegInfinity => (-1, Decimal::ZERO),
            Bound::Finite(d) => (0, *d),
            Bound::PosInfinity => (1, Decimal::ZERO),
        }
    }
}

impl PartialOrd for Bound {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Bound {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::NegInfinity => f.write_str("-Infinity"),
            Bound::Finite(d) => write!(f, "{}", d.normalize()),
            Bound::PosInfinity => f.write_str("Infinity"),
        }
    }
}

/// A named segment of a scheme: clients whose score lies in [min, max).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub name: String,
    pub min: Bound,
    pub max: Bound,
}

impl Level {
    pub fn contains(&self, score: Decimal) -> bool {
        let s = Bound::Finite(score);
        self.min <= s && s < self.max
    }
}

/// Parses a finite decimal as PostgreSQL prints it (numeric_out never uses exponents). Refuses
/// NaN, infinities and anything with more digits than the engine computes exactly: a number is
/// never rounded on its way in.
pub fn parse_decimal(text: &str) -> Result<Decimal, EngineError> {
    let trimmed = text.trim();
    Decimal::from_str_exact(trimmed).map_err(|_| EngineError::InvalidNumber(trimmed.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_never_rounded_on_the_way_in() {
        assert_eq!(parse_decimal(" 12.50 ").unwrap().to_string(), "12.50");
        assert_eq!(parse_decimal("-0.0001").unwrap().to_string(), "-0.0001");
        for lossy in [
            "1.00000000000000000000000000001",
            "123456789012345678901234567890",
            "NaN",
            "Infinity",
        ] {
            assert_eq!(
                parse_decimal(lossy),
                Err(EngineError::InvalidNumber(lossy.to_string())),
                "{lossy}"
            );
        }
    }
}
