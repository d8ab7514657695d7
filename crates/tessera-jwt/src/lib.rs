//! tessera-jwt
