//! probity-credentials
