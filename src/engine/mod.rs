//! The scoring model in plain Rust: no pgrx, no SQL. It holds the arithmetic of scores, the
//! lookup of the level a score falls in, the validation of configuration and the split of a
//! score distribution into suggested levels, so all of it can be tested with `cargo test` and
//! without a database.

pub mod compiled;
pub mod model;
pub mod ruled;
pub mod score;
pub mod split;
pub mod validate;

pub use compiled::{
    AnswerDelta, AnswerTarget, CompiledConfig, CompiledQuestion, CompiledScheme, RuledTarget,
};
pub use model::{Bound, EngineError, Level};
pub use ruled::{
    ClientAnswer, PointsRange, QuestionKind, RuledAssignment, RuledQuestion, RuledScheme,
    RuledVariant,
};
pub use score::{
    assess, explain, ExplainInput, ExplainRow, ForcedRule, GroupRule, InputKind, Rules,
};
pub use validate::{
    find_level_overlap, validate_code, validate_level_range, validate_points, validate_weight,
};
