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
    /// A client's answer row that the compiled configuration does not explain (an option of
    /// another question, a value given to a choice question): SQL scores such a client.
    UnexplainedAnswer { question: String },
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
            EngineError::UnexplainedAnswer { question } => {
                write!(
                    f,
                    "an answer to question \"{question}\" the configuration does not explain"
                )
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

/// `a + b` exactly: None when it overflows or would be rounded (to fit 96 bits, rust_decimal
/// gives up digits after the point rather than fail; SQL's numeric keeps them all). Operands
/// with trailing zeros that leave no room are tried again without them.
pub fn exact_add(a: Decimal, b: Decimal) -> Option<Decimal> {
    added(a, b).or_else(|| added(a.normalize(), b.normalize()))
}

fn added(a: Decimal, b: Decimal) -> Option<Decimal> {
    // (adding a zero gives the other operand back, at its own scale)
    if a.is_zero() {
        return Some(b);
    }
    if b.is_zero() {
        return Some(a);
    }
    let sum = a.checked_add(b)?;
    // (a zero sum is exact: rounding needs a magnitude that overflows 96 bits)
    (sum.is_zero() || sum.scale() >= a.scale().max(b.scale())).then_some(sum)
}

/// `a - b` exactly, as `exact_add`.
pub fn exact_sub(a: Decimal, b: Decimal) -> Option<Decimal> {
    exact_add(a, -b)
}

/// `a × b` exactly, as `exact_add`: the product keeps every digit after the point.
pub fn exact_mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    multiplied(a, b).or_else(|| multiplied(a.normalize(), b.normalize()))
}

fn multiplied(a: Decimal, b: Decimal) -> Option<Decimal> {
    if a.is_zero() || b.is_zero() {
        return Some(Decimal::ZERO);
    }
    let product = a.checked_mul(b)?;
    (product.scale() == a.scale() + b.scale()).then_some(product)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_that_would_round_is_refused() {
        let d = |s: &str| parse_decimal(s).unwrap();
        assert_eq!(exact_add(d("1.5"), d("2.25")), Some(d("3.75")));
        assert_eq!(exact_sub(d("1.5"), d("2.25")), Some(d("-0.75")));
        assert_eq!(exact_mul(d("0.5"), d("0.25")), Some(d("0.125")));
        assert_eq!(exact_mul(d("0.5"), d("0")), Some(d("0")));
        assert_eq!(exact_add(d("1.5"), d("-1.5")), Some(d("0")));
        // a zero of a larger scale than the other operand (a sum that cancelled out)
        let zero = exact_add(d("-8.0000000000000000"), d("8.0000000000000000")).unwrap();
        assert_eq!(exact_add(zero, d("15")), Some(d("15")));
        assert_eq!(exact_add(d("15"), zero), Some(d("15")));
        // trailing zeros that leave no room are no loss
        assert_eq!(
            exact_mul(d("2.00000000000000000000"), d("1.0000000000")),
            Some(d("2"))
        );
        assert_eq!(
            exact_add(
                d("5000000000000000000.0000000000"),
                d("5000000000000000000.0000000000")
            ),
            Some(d("10000000000000000000"))
        );
        assert_eq!(exact_mul(d("-2.5"), d("4")), Some(d("-10.0")));
        // 28 significant digits plus a carry: rust_decimal would round the last one away
        let big = d("9999999999999999999999999999");
        assert_eq!(exact_add(big, d("0.5")), None);
        assert_eq!(
            exact_add(d("9999999999999999999999999.999"), d("0.0001")),
            None
        );
        assert_eq!(
            exact_mul(d("0.0000000000000001"), d("0.0000000000000001")),
            None
        );
        assert_eq!(exact_mul(big, d("10")), None);
    }

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
