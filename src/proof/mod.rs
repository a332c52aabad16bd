//! Why the two paths can be trusted: the rounding bound their difference
//! must stay under, central finite differences as an independent truth, and
//! the side-by-side comparison the program prints.
//!
//! | module | holds |
//! | --- | --- |
//! | [`bounds`] | rounding-deviation bounds, layer by layer, derived from the data |
//! | [`gradcheck`] | central finite differences of the loss |
//! | [`compare`] | both paths run against the bound, row by row |

pub mod bounds;
pub mod compare;
pub mod gradcheck;
