//! Tests of face-detector cards: loading, fingerprints, validation, and the refusal of a face
//! card where a scoring card is expected.
use super::*;
use crate::card::{DetectorCard, ResolvedCard};

const CARD: &str = r#"
kind = "face-detector"
detector = "mtcnn"
pnet = "p.pt"
rnet = "r.pt"
onet = "o.pt"
thresholds = [0.6, 0.7, 0.7]
min_face_size = 20
factor = 0.709

[source]
family = "mtcnn"
weights = "data"
pnet_sha256 = "aa"
rnet_sha256 = "bb"
onet_sha256 = "cc"
"#;

fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (net, bytes) in [("p.pt", b"p"), ("r.pt", b"r"), ("o.pt", b"o")] {
        std::fs::write(dir.path().join(net), bytes).expect("net");
    }
    std::fs::write(dir.path().join("card.toml"), CARD).expect("card");
    dir
}

#[test]
fn loads_resolves_and_fingerprints_the_three_nets_and_the_parameters() {
    let dir = folder();
    let card_path = dir.path().join("card.toml");
    let resolved = ResolvedFaceCard::load(&card_path).expect("load");
    assert_eq!(resolved.card.rnet, dir.path().join("r.pt"));
    assert_eq!(resolved.card.runtime, FaceRuntime::Torchscript);
    assert!(resolved.fingerprint.starts_with("sha256:"));
    let text = toml::to_string(&resolved.card).expect("serialise");
    assert_eq!(
        FaceDetectorCard::parse(&text, "round trip").expect("parse"),
        resolved.card
    );

    std::fs::write(dir.path().join("o.pt"), b"other").expect("net");
    let new_weights = ResolvedFaceCard::load(&card_path).expect("load");
    assert_ne!(new_weights.fingerprint, resolved.fingerprint);
    std::fs::write(&card_path, CARD.replace("0.709", "0.8")).expect("card");
    let new_factor = ResolvedFaceCard::load(&card_path).expect("load");
    assert_ne!(new_factor.fingerprint, new_weights.fingerprint);
    // Provenance is not part of the fingerprint.
    std::fs::write(
        &card_path,
        CARD.replace("0.709", "0.8").replace("\"aa\"", "\"ff\""),
    )
    .expect("card");
    assert_eq!(
        ResolvedFaceCard::load(&card_path)
            .expect("load")
            .fingerprint,
        new_factor.fingerprint
    );
}

#[test]
fn reports_every_problem_and_a_missing_net_by_path() {
    let text = CARD
        .replace("0.6,", "1.5,")
        .replace("= 20", "= 4")
        .replace("0.709", "1.0");
    let message = FaceDetectorCard::parse(&text, "f.toml")
        .expect_err("invalid")
        .to_string();
    for needle in ["P-net threshold 1.5", "`min_face_size` 4", "`factor` 1"] {
        assert!(message.contains(needle), "{needle}: {message}");
    }
    let dir = folder();
    std::fs::remove_file(dir.path().join("r.pt")).expect("remove");
    let message = ResolvedFaceCard::load(&dir.path().join("card.toml"))
        .expect_err("missing net")
        .to_string();
    assert!(message.contains("r.pt"), "{message}");
    let scoring = "model = \"m.pt\"\ninput_size = 224\nresize = \"resize\"\noutput = \"logit\"\n";
    let message = FaceDetectorCard::parse(scoring, "s.toml")
        .expect_err("not a face card")
        .to_string();
    assert!(message.contains("not a face-detector card"), "{message}");
}

#[test]
fn a_face_card_is_refused_where_a_scoring_card_is_expected() {
    let message = DetectorCard::parse(CARD, "faces/card.toml")
        .expect_err("refused")
        .to_string();
    assert!(
        message.contains("faces/card.toml is a face-detector card")
            && message.contains("cannot score"),
        "{message}"
    );
    let dir = folder();
    let message = ResolvedCard::load(&dir.path().join("card.toml"))
        .expect_err("refused")
        .to_string();
    assert!(message.contains("face-detector card"), "{message}");
    assert!(is_face_detector_card(CARD));
    assert!(!is_face_detector_card("model = \"m.pt\"\nkind = \"other\""));
}
