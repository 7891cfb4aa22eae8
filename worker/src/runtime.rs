//! Turning a detector spec from a lease into something that scores images: a built-in, or the
//! reason this worker cannot run it (recorded as a typed failure for each of its predictions).

use crate::builtin::builtin_detector;
use crate::scoring::LoadedDetector;
use dfbench_proto::v1 as pb;

/// Capabilities this worker declares at registration.
pub fn capabilities() -> Vec<String> {
    vec!["builtin".to_string()]
}

/// `device` is `cpu` or `cuda:N`; built-ins always run on the CPU.
pub fn load_detector(spec: &pb::DetectorSpec, device: &str) -> LoadedDetector {
    let _ = device;
    match spec.kind.as_str() {
        "builtin" => match builtin_detector(&spec.builtin, &spec.name) {
            Some(detector) => LoadedDetector::Ready(detector),
            None => LoadedDetector::Unavailable {
                name: spec.name.clone(),
                reason: format!("this worker has no built-in detector `{}`", spec.builtin),
            },
        },
        other => LoadedDetector::Unavailable {
            name: spec.name.clone(),
            reason: format!(
                "this worker cannot run `{other}` detectors (built without the `torch` feature)"
            ),
        },
    }
}
