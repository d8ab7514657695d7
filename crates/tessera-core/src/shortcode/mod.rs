//! The shortcode engine (being written).
