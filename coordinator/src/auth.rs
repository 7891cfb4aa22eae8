//! Bearer-token authentication: every RPC (and `GET /metrics` beyond loopback) must carry
//! `authorization: Bearer <DFBENCH_TOKEN>` when the coordinator has a token. A coordinator
//! listening beyond loopback refuses to start without one. Tokens are compared as SHA-256
//! digests in constant time, so neither their length nor a common prefix shows in the timing.

use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use tonic::{Request, Status};

/// Checks the bearer token of every request; `None` accepts everything (loopback only).
#[derive(Clone)]
pub struct TokenCheck {
    /// SHA-256 of the expected token.
    expected: Option<[u8; 32]>,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl TokenCheck {
    pub fn new(token: Option<String>) -> Self {
        TokenCheck {
            expected: token.filter(|token| !token.is_empty()).map(|t| digest(&t)),
        }
    }

    /// Whether a token is required at all.
    pub fn is_required(&self) -> bool {
        self.expected.is_some()
    }

    /// Whether `presented` is the expected token (always true when none is required).
    pub fn accepts(&self, presented: Option<&str>) -> bool {
        match (&self.expected, presented) {
            (None, _) => true,
            (Some(expected), Some(token)) => constant_time_eq(&digest(token), expected),
            (Some(_), None) => false,
        }
    }

    /// A coordinator reachable from other machines must require a token.
    pub fn validate_listen(&self, listen: SocketAddr) -> Result<(), String> {
        if self.expected.is_none() && !listen.ip().is_loopback() {
            return Err(format!(
                "refusing to listen on {listen} without a token: set DFBENCH_TOKEN (or --token) on the coordinator and every worker, or listen on 127.0.0.1"
            ));
        }
        Ok(())
    }
}

impl tonic::service::Interceptor for TokenCheck {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        let Some(expected) = &self.expected else {
            return Ok(request);
        };
        let presented = request
            .metadata()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        match presented {
            Some(token) if constant_time_eq(&digest(token), expected) => Ok(request),
            Some(_) => Err(Status::unauthenticated("wrong token: check DFBENCH_TOKEN")),
            None => Err(Status::unauthenticated(
                "this coordinator requires a token: set DFBENCH_TOKEN (or --token)",
            )),
        }
    }
}

/// Equal digests, looking at every byte whatever the first difference.
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::service::Interceptor;

    #[test]
    fn requires_the_right_token() {
        let mut check = TokenCheck::new(Some("s3cret".into()));
        assert_eq!(
            check.call(Request::new(())).expect_err("none").code(),
            tonic::Code::Unauthenticated
        );
        let mut wrong = Request::new(());
        wrong
            .metadata_mut()
            .insert("authorization", "Bearer nope".parse().expect("header"));
        assert!(check.call(wrong).is_err());
        let mut right = Request::new(());
        right
            .metadata_mut()
            .insert("authorization", "Bearer s3cret".parse().expect("header"));
        assert!(check.call(right).is_ok());
        assert!(check.accepts(Some("s3cret")));
        assert!(!check.accepts(Some("s3cre")), "a prefix is not the token");
        assert!(!check.accepts(None));
        assert!(TokenCheck::new(None).accepts(None));
    }

    #[test]
    fn remote_listen_needs_a_token() {
        let open = TokenCheck::new(None);
        assert!(
            open.validate_listen("127.0.0.1:1".parse().expect("addr"))
                .is_ok()
        );
        let error = open
            .validate_listen("0.0.0.0:1".parse().expect("addr"))
            .expect_err("remote");
        assert!(error.contains("DFBENCH_TOKEN"));
        assert!(
            TokenCheck::new(Some("t".into()))
                .validate_listen("0.0.0.0:1".parse().expect("addr"))
                .is_ok()
        );
    }
}
