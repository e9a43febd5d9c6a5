//! spur's detection engine.
//!
//! The engine never touches the disk, the network or the clock: it is fed
//! [`Payment`]s by its caller and hands back [`Alert`]s.
pub mod model;
