//! The SDK's tests, in one binary: verification (one test per failure reason), the JWKS-URL cache
//! against a mock JWKS server, the HTTP pipeline (headers, retries, errors) against a mock API, and
//! end to end against the real server started in-process.

mod support;

mod e2e;
mod jwks_url;
mod transport;
mod verify;
