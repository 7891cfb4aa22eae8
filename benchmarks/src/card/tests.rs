//! Tests of image cards: loading, fingerprints, interpolation and validation.
use super::*;

const CARD: &str = r#"
model = "m.pt"
input_size = 224
resize = "shorter-crop"
normalize = "imagenet"
output = "logit"
"#;

#[test]
fn loads_resolves_and_fingerprints() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("m.pt"), b"weights").expect("model");
    std::fs::write(dir.path().join("card.toml"), CARD).expect("card");
    let resolved = ResolvedCard::load(&dir.path().join("card.toml")).expect("load");
    assert_eq!(resolved.card.model, dir.path().join("m.pt"));
    assert_eq!(resolved.card.mean_std(), (IMAGENET_MEAN, IMAGENET_STD));
    assert!(resolved.fingerprint.starts_with("sha256:"));
    let reparsed = DetectorCard::parse(&resolved.to_toml(), "round trip").expect("round trip");
    assert_eq!(reparsed, resolved.card);
    std::fs::write(dir.path().join("m.pt"), b"other weights").expect("model");
    let changed = ResolvedCard::load(&dir.path().join("card.toml")).expect("load");
    assert_ne!(
        changed.fingerprint, resolved.fingerprint,
        "new weights, new fingerprint"
    );
}

#[test]
fn reports_every_problem() {
    let text = CARD.replace("imagenet", "sepia").replace("224", "300");
    let error = DetectorCard::parse(&text, "c.toml").expect_err("invalid");
    let message = error.to_string();
    assert!(
        message.contains("sepia") && message.contains("resize_shorter"),
        "{message}"
    );
}

#[test]
fn interpolation_is_parsed_fingerprinted_and_checked() {
    let plain = DetectorCard::parse(CARD, "c.toml").expect("no interpolation");
    assert_eq!(plain.interpolation, Interpolation::ImageTriangle);
    assert_eq!(
        plain.preprocessing_signature(),
        "size=224;resize=ShorterCrop;shorter=256;mean=[0.485, 0.456, 0.406];\
         std=[0.229, 0.224, 0.225];order=Rgb;output=Logit",
        "cards without `interpolation` keep the signature (and fingerprint) they had"
    );
    let text = format!("{CARD}interpolation = \"opencv:cubic\"\n");
    let cubic = DetectorCard::parse(&text, "c.toml").expect("cubic");
    assert_eq!(cubic.interpolation, Interpolation::OpencvCubic);
    assert_ne!(
        cubic.preprocessing_signature(),
        plain.preprocessing_signature()
    );
    let round_trip = toml::to_string(&cubic).expect("serialise");
    assert!(
        round_trip.contains("interpolation = \"opencv:cubic\""),
        "{round_trip}"
    );
    assert_eq!(
        DetectorCard::parse(&round_trip, "rt").expect("reparse"),
        cubic
    );
    let bad = format!("{CARD}interpolation = \"cv2:cubic\"\n");
    let message = DetectorCard::parse(&bad, "bad-card.toml")
        .expect_err("unknown interpolation")
        .to_string();
    for needle in [
        "bad-card.toml",
        "`interpolation`",
        "cv2:cubic",
        "opencv:cubic",
        "pil:bicubic",
    ] {
        assert!(message.contains(needle), "{needle} missing from: {message}");
    }
}

#[test]
fn missing_model_names_both_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("card.toml"), CARD).expect("card");
    let error = ResolvedCard::load(&dir.path().join("card.toml")).expect_err("no model");
    let message = error.to_string();
    assert!(
        message.contains("m.pt") && message.contains("card.toml"),
        "{message}"
    );
}

/// `dfbench import`'s `[source]` table round-trips and stays out of the fingerprint.
#[test]
fn source_table_is_provenance_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("m.pt"), b"weights").expect("model");
    std::fs::write(dir.path().join("plain.toml"), CARD).expect("card");
    let with_source = format!(
        "{CARD}\n[source]\nfamily = \"cnnspot\"\ncheckpoint = \"blur_jpg_prob0.5.pth\"\n\
         checkpoint_sha256 = \"ab12\"\n"
    );
    std::fs::write(dir.path().join("imported.toml"), &with_source).expect("card");
    let plain = ResolvedCard::load(&dir.path().join("plain.toml")).expect("plain");
    let imported = ResolvedCard::load(&dir.path().join("imported.toml")).expect("imported");
    assert_eq!(plain.fingerprint, imported.fingerprint);
    let source = imported.card.source.clone().expect("source");
    assert_eq!(source.family, "cnnspot");
    let reparsed = DetectorCard::parse(&imported.to_toml(), "round trip").expect("round trip");
    assert_eq!(reparsed, imported.card);
    let unknown = with_source.replace("family =", "famly =");
    let error = DetectorCard::parse(&unknown, "typo.toml").expect_err("unknown field");
    assert!(error.to_string().contains("famly"), "{error}");
}
