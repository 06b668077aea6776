//! Small shared helpers.

pub mod rows;
pub mod ticks;
