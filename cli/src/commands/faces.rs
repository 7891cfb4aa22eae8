//! `dfbench faces --card CARD IMAGE...`: runs a face-detector card (`kind = "face-detector"`,
//! written by `dfbench import --family mtcnn`) on images through dfbench's own runtime and
//! prints one JSON line per image: `{"image", "faces": [{"bbox", "score", "landmarks"}]}`,
//! largest face first (facenet-pytorch's `MTCNN.detect` order), or `{"image", "error"}` for an
//! image that cannot be read or run; the others still run, and the exit status is then 1.
//! What `dfbench prepare` crops through, runnable on its own.

use crate::output::outln;
use anyhow::Context;
use dfbench_benchmarks::card::face::ResolvedFaceCard;
use dfbench_benchmarks::image_io::decode_rgb;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct FacesArgs {
    /// A face-detector card, or a folder holding `card.toml` (as `dfbench import --out` writes).
    #[arg(long, value_name = "CARD|DIR")]
    pub card: PathBuf,
    /// Device the nets run on: cpu or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// PNG or JPEG images to find faces in.
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<PathBuf>,
}

pub async fn execute(args: FacesArgs) -> anyhow::Result<ExitCode> {
    let path = if args.card.is_dir() {
        args.card.join("card.toml")
    } else {
        args.card.clone()
    };
    let card = ResolvedFaceCard::load(&path)?;
    let mut detector = dfbench_worker::faces::load_detector(&card, &args.device)
        .with_context(|| format!("cannot load the face detector of {}", path.display()))?;
    let mut failed = 0;
    for image in &args.images {
        let found = decode_rgb(image)
            .map_err(|error| error.to_string())
            .and_then(|frame| detector.detect(&frame).map_err(|error| error.to_string()));
        let line = match found {
            Ok(faces) => serde_json::json!({ "image": image, "faces": faces }),
            Err(error) => {
                failed += 1;
                serde_json::json!({ "image": image, "error": error })
            }
        };
        outln!("{line}");
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
