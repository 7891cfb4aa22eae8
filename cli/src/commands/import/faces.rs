//! `dfbench import` for a face detector released as several nets (family `mtcnn`: facenet-pytorch's
//! pnet.pt, rnet.pt, onet.pt, named by `--weights FOLDER`): the exporter's per-net result (see
//! cli/import/export_nets.py) → `card.toml` of kind `face-detector` naming the three TorchScript
//! files (and `onnx-card.toml` naming the ONNX ones with `--onnx`), with each released file's
//! sha256 in `[source]`; the card is loaded back before anything is printed.
//!
//! Owns only turning that result into cards; the exporter run itself is the parent module's.

use crate::output::outln;
use anyhow::Context;
use dfbench_benchmarks::card::face::{
    FaceCardSource, FaceDetectorCard, FaceRuntime, ResolvedFaceCard,
};
use std::collections::BTreeMap;
use std::path::Path;

/// The nets in pipeline order, as the card names them (each released as `<net>.pt`).
const NETS: [&str; 3] = ["pnet", "rnet", "onet"];

/// The exporter's result for a several-net family.
pub struct NetsResult {
    /// The card fields the family declares (kind, detector, thresholds, min_face_size, factor).
    pub card: serde_json::Value,
    pub nets: BTreeMap<String, NetFiles>,
}

/// One net's files as the exporter reports them.
#[derive(Debug, serde::Deserialize)]
pub struct NetFiles {
    released: String,
    sha256: String,
    model: String,
    onnx: Option<String>,
    parity: NetParity,
    load: super::LoadNotes,
}

#[derive(Debug, serde::Deserialize)]
struct NetParity {
    input: Vec<i64>,
    max_abs_output: f64,
    output_shapes: Vec<Vec<i64>>,
}

impl NetsResult {
    /// Writes the card(s) into `out`, loads the TorchScript one back and prints a summary.
    pub fn write_cards(&self, family: &str, weights: &Path, out: &Path) -> anyhow::Result<()> {
        let source = FaceCardSource {
            family: family.to_string(),
            weights: weights
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default(),
            pnet_sha256: self.net("pnet")?.sha256.clone(),
            rnet_sha256: self.net("rnet")?.sha256.clone(),
            onet_sha256: self.net("onet")?.sha256.clone(),
        };
        let card_path = out.join("card.toml");
        self.write(&card_path, FaceRuntime::Torchscript, &source, |net| {
            Some(net.model.clone())
        })?;
        let resolved = ResolvedFaceCard::load(&card_path)?;
        let onnx = self.nets.values().all(|net| net.onnx.is_some());
        if onnx {
            let onnx_path = out.join("onnx-card.toml");
            self.write(&onnx_path, FaceRuntime::Onnx, &source, |net| {
                net.onnx.clone()
            })?;
            ResolvedFaceCard::load(&onnx_path)?;
        }
        outln!(
            "imported {} as `{family}`: face detector, {} nets",
            weights.display(),
            self.nets.len()
        );
        for name in NETS {
            let net = self.net(name)?;
            outln!(
                "  {name:<5} {} (sha256 {}): {} tensors → {}; parity on {:?}: max |Δ output| {:.3e}, outputs {:?}",
                net.released,
                net.sha256,
                net.load.tensors,
                net.model,
                net.parity.input,
                net.parity.max_abs_output,
                net.parity.output_shapes
            );
        }
        describe_face_card(&card_path, &resolved);
        if onnx {
            outln!("  onnx card   {}", out.join("onnx-card.toml").display());
        }
        outln!(
            "next: `dfbench faces --card {} IMAGE...` prints the faces it finds",
            card_path.display()
        );
        Ok(())
    }

    fn net(&self, name: &str) -> anyhow::Result<&NetFiles> {
        self.nets
            .get(name)
            .with_context(|| format!("the exporter's result has no `{name}`"))
    }

    /// One card for `runtime`, each net's file chosen by `file`.
    fn write(
        &self,
        path: &Path,
        runtime: FaceRuntime,
        source: &FaceCardSource,
        file: impl Fn(&NetFiles) -> Option<String>,
    ) -> anyhow::Result<()> {
        let mut fields = self.card.clone();
        let object = fields
            .as_object_mut()
            .context("the exporter's card fields are not a table")?;
        for name in NETS {
            let model = file(self.net(name)?)
                .with_context(|| format!("the exporter wrote no {runtime:?} file for {name}"))?;
            object.insert(name.into(), model.into());
        }
        object.insert("runtime".into(), serde_json::to_value(runtime)?);
        let mut card: FaceDetectorCard = serde_json::from_value(fields)
            .context("the exporter's card fields do not form a valid face-detector card")?;
        card.source = Some(source.clone());
        let header = format!(
            "# Written by `dfbench import --family {}` from {}/ ({}).\n\
             # A face-detector card: boxes and five landmarks per face, for `dfbench prepare`.\n",
            source.family,
            source.weights,
            NETS.map(|name| format!("{name}.pt")).join(", ")
        );
        let body = toml::to_string(&card).context("cannot serialise the card")?;
        std::fs::write(path, header + &body)
            .with_context(|| format!("cannot write {}", path.display()))
    }
}

/// Prints what a face-detector card declares and its fingerprint.
pub fn describe_face_card(path: &Path, resolved: &ResolvedFaceCard) {
    let card = &resolved.card;
    outln!("  card        {}", path.display());
    outln!(
        "  detector    {:?} through {:?}: thresholds {:?}, min face {} px, pyramid factor {}",
        card.detector,
        card.runtime,
        card.thresholds,
        card.min_face_size,
        card.factor
    );
    for net in card.nets() {
        outln!("  net         {}", net.display());
    }
    outln!("  fingerprint {}", resolved.fingerprint);
}
