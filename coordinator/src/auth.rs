//! Bearer-token authentication: every RPC must carry `authorization: Bearer <DFBENCH_TOKEN>`
//! when the coordinator has a token. A coordinator listening beyond loopback refuses to start
//! without one.

use std::net::SocketAddr;
use tonic::{Request, Status};

/// Checks the bearer token of every request; `None` accepts everything (loopback only).
#[derive(Clone)]
pub struct TokenCheck {
    expected: Option<String>,
}

impl TokenCheck {
    pub fn new(token: Option<String>) -> Self {
        TokenCheck {
            expected: token.filter(|token| !token.is_empty()),
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
            Some(token) if constant_time_eq(token.as_bytes(), expected.as_bytes()) => Ok(request),
            Some(_) => Err(Status::unauthenticated("wrong token: check DFBENCH_TOKEN")),
            None => Err(Status::unauthenticated(
                "this coordinator requires a token: set DFBENCH_TOKEN (or --token)",
            )),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
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
