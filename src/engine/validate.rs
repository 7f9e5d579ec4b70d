use super::model::{Bound, EngineError, Level};
use rust_decimal::Decimal;

/// Codes of questions and options, and names of schemes and levels, must not be blank.
pub fn validate_code(what: &'static str, code: &str) -> Result<(), EngineError> {
    if code.trim().is_empty() {
        return Err(EngineError::BlankCode { what });
    }
    Ok(())
}

/// A level's range must not be empty: min < max.
pub fn validate_level_range(name: &str, min: Bound, max: Bound) -> Result<(), EngineError> {
    if min >= max {
        return Err(EngineError::EmptyRange {
            level: name.to_string(),
            min,
            max,
        });
    }
    Ok(())
}

/// Weights are in [0, 1000000] with at most 4 decimal places, so every product with points is
/// computed exactly both here and in SQL.
pub fn validate_weight(weight: Decimal) -> Result<(), EngineError> {
    if weight.is_sign_negative() && !weight.is_zero()
        || weight > Decimal::from(1_000_000)
        || weight.normalize().scale() > 4
    {
        return Err(EngineError::WeightOutOfRange {
            weight: weight.normalize().to_string(),
        });
    }
    Ok(())
}

/// Points lie strictly between -1e9 and 1e9 with at most 4 decimal places.
pub fn validate_points(points: Decimal) -> Result<(), EngineError> {
    if points.abs() >= Decimal::from(1_000_000_000) || points.normalize().scale() > 4 {
        return Err(EngineError::PointsOutOfRange {
            points: points.normalize().to_string(),
        });
    }
    Ok(())
}

/// The first pair of levels whose [min, max) ranges overlap, in order of their lower bounds.
pub fn find_level_overlap(levels: &[Level]) -> Option<(&Level, &Level)> {
    let mut sorted: Vec<&Level> = levels.iter().collect();
    sorted.sort_by(|a, b| a.min.cmp(&b.min).then_with(|| a.name.cmp(&b.name)));
    // After sorting by lower bound, ranges overlap iff some range starts before the furthest
    // upper bound seen so far.
    let mut reach: Option<&Level> = None;
    for level in sorted {
        if let Some(prev) = reach {
            if level.min < prev.max {
                return Some((prev, level));
            }
            if level.max > prev.max {
                reach = Some(level);
            }
        } else {
            reach = Some(level);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn lv(name: &str, min: &str, max: &str) -> Level {
        Level {
            name: name.into(),
            min: Bound::parse(min).unwrap(),
            max: Bound::parse(max).unwrap(),
        }
    }

    #[test]
    fn adjacent_levels_do_not_overlap() {
        let levels = vec![
            lv("a", "0", "10"),
            lv("b", "10", "20"),
            lv("c", "30", "Infinity"),
        ];
        assert_eq!(find_level_overlap(&levels), None);
    }

    #[test]
    fn overlap_names_both_levels() {
        let levels = vec![lv("gold", "100", "200"), lv("silver", "50", "101")];
        let (a, b) = find_level_overlap(&levels).unwrap();
        assert_eq!((a.name.as_str(), b.name.as_str()), ("silver", "gold"));
    }

    #[test]
    fn a_level_inside_a_wide_one_overlaps() {
        let levels = vec![
            lv("wide", "-Infinity", "1000"),
            lv("x", "0", "10"),
            lv("y", "500", "600"),
        ];
        let (a, b) = find_level_overlap(&levels).unwrap();
        assert_eq!((a.name.as_str(), b.name.as_str()), ("wide", "x"));
    }

    #[test]
    fn overlap_after_a_contained_level_is_found() {
        // "b" ends before "a" does; "c" starts after "b" ends but inside "a".
        let levels = vec![
            lv("a", "0", "100"),
            lv("b", "10", "20"),
            lv("c", "50", "60"),
        ];
        assert!(find_level_overlap(&levels).is_some());
    }

    #[test]
    fn empty_and_inverted_ranges_are_rejected() {
        let ten = Bound::parse("10").unwrap();
        let five = Bound::parse("5").unwrap();
        assert!(validate_level_range("x", ten, ten).is_err());
        assert!(validate_level_range("x", ten, five).is_err());
        assert!(validate_level_range("x", Bound::NegInfinity, Bound::PosInfinity).is_ok());
        assert!(validate_level_range("x", Bound::PosInfinity, Bound::PosInfinity).is_err());
    }

    #[test]
    fn weights_and_points_limits() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert!(validate_weight(d("1")).is_ok());
        assert!(validate_weight(d("0")).is_ok());
        assert!(validate_weight(d("0.1234")).is_ok());
        assert!(validate_weight(d("0.12345")).is_err());
        assert!(validate_weight(d("-1")).is_err());
        assert!(validate_weight(d("1000001")).is_err());
        assert!(validate_points(d("-999999999.9999")).is_ok());
        assert!(validate_points(d("1000000000")).is_err());
        assert!(validate_points(d("1.00001")).is_err());
    }

    #[test]
    fn blank_codes_are_rejected() {
        assert!(validate_code("question code", "  ").is_err());
        assert!(validate_code("question code", "size").is_ok());
    }

    #[test]
    fn bounds_order_with_infinities() {
        // (as numeric_out prints them: never in exponent notation)
        assert!(Bound::NegInfinity < Bound::parse("-100000000000000").unwrap());
        assert!(Bound::parse("100000000000000").unwrap() < Bound::PosInfinity);
        assert!(Bound::parse("NaN").is_err());
    }
}
