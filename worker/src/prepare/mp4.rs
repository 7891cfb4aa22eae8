//! The frame count of an MP4 / QuickTime video read from its sample tables, so that sampling a
//! video needs no `ffprobe` process (whose start-up, loading FFmpeg's ~200 shared libraries,
//! costs about as much CPU as decoding a short clip). The count is what FFmpeg's MOV demuxer
//! reports as `nb_frames` (and OpenCV's `CAP_PROP_FRAME_COUNT`, DeepfakeBench's count): the sum
//! of the sample counts in the first video track's `stts` box. It is used only when the
//! track's `stsz` (or `stz2`) agrees; anything else (another container, a fragmented file, a
//! truncated or odd box tree) is `None`, and the caller asks `ffprobe`.
//!
//! Must not touch: decoding, files or processes; it reads the bytes it is given.

/// One box: its type and its payload (after the size and type fields).
struct Mp4Box<'a> {
    kind: [u8; 4],
    payload: &'a [u8],
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let field = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(field.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let field = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_be_bytes(field.try_into().ok()?))
}

/// The boxes laid one after another in `bytes`; `None` when one's size runs past the end.
fn boxes(bytes: &[u8]) -> Option<Vec<Mp4Box<'_>>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let size = u32_at(bytes, at)?;
        let kind: [u8; 4] = bytes.get(at + 4..at + 8)?.try_into().ok()?;
        let (header, total) = match size {
            0 => (8, bytes.len() - at),
            1 => (16, usize::try_from(u64_at(bytes, at + 8)?).ok()?),
            n => (8, usize::try_from(n).ok()?),
        };
        if total < header {
            return None;
        }
        let end = at.checked_add(total)?;
        let payload = bytes.get(at + header..end)?;
        out.push(Mp4Box { kind, payload });
        at = end;
    }
    Some(out)
}

/// The payload of the first child of `payload` named `kind`.
fn child<'a>(payload: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(payload)?
        .into_iter()
        .find(|b| &b.kind == kind)
        .map(|b| b.payload)
}

/// The payload at `path` below `payload`, one child name a level.
fn descend<'a>(mut payload: &'a [u8], path: &[&[u8; 4]]) -> Option<&'a [u8]> {
    for kind in path {
        payload = child(payload, kind)?;
    }
    Some(payload)
}

/// `stts`: the sum of its entries' sample counts.
fn stts_total(stts: &[u8]) -> Option<u64> {
    let entries = u32_at(stts, 4)?;
    (0..entries as usize).try_fold(0u64, |total, entry| {
        Some(total + u64::from(u32_at(stts, 8 + entry * 8)?))
    })
}

/// The sample count of a `stsz` or `stz2` box (both hold it at the same offset).
fn sample_size_count(stbl: &[u8]) -> Option<u64> {
    let table = child(stbl, b"stsz").or_else(|| child(stbl, b"stz2"))?;
    u32_at(table, 8).map(u64::from)
}

/// The frame count of the first video track of the MP4 / QuickTime file in `bytes`, when its
/// timing and size tables agree and hold at least one sample.
pub fn frame_count(bytes: &[u8]) -> Option<usize> {
    let top = boxes(bytes)?;
    let moov = top.iter().find(|b| &b.kind == b"moov")?.payload;
    let track = boxes(moov)?.into_iter().find(|b| {
        &b.kind == b"trak"
            && descend(b.payload, &[b"mdia", b"hdlr"]).and_then(|hdlr| hdlr.get(8..12))
                == Some(b"vide".as_slice())
    })?;
    let stbl = descend(track.payload, &[b"mdia", b"minf", b"stbl"])?;
    let frames = stts_total(child(stbl, b"stts")?)?;
    (frames > 0 && sample_size_count(stbl) == Some(frames))
        .then(|| usize::try_from(frames).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::frame_count;

    fn mp4_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut out = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(payload);
        out
    }

    fn full(kind: &[u8; 4], fields: &[u32]) -> Vec<u8> {
        let mut payload = vec![0u8; 4];
        for field in fields {
            payload.extend_from_slice(&field.to_be_bytes());
        }
        mp4_box(kind, &payload)
    }

    /// A file with an audio track first and a video track of `stts` entries and `stsz` count.
    fn file(stts: &[(u32, u32)], stsz: u32) -> Vec<u8> {
        let track = |handler: &[u8; 4], stts: &[(u32, u32)], stsz: u32| {
            let hdlr = mp4_box(
                b"hdlr",
                &[&[0u8; 8][..], &handler[..], &[0u8; 12][..]].concat(),
            );
            let mut fields = vec![stts.len() as u32];
            fields.extend(stts.iter().flat_map(|(count, delta)| [*count, *delta]));
            let stbl = mp4_box(
                b"stbl",
                &[full(b"stts", &fields), full(b"stsz", &[0, stsz])].concat(),
            );
            let minf = mp4_box(b"minf", &stbl);
            mp4_box(b"trak", &mp4_box(b"mdia", &[hdlr, minf].concat()))
        };
        let moov = mp4_box(
            b"moov",
            &[track(b"soun", &[(7, 1024)], 7), track(b"vide", stts, stsz)].concat(),
        );
        [
            mp4_box(b"ftyp", b"isom\0\0\0\0"),
            mp4_box(b"mdat", &[1, 2, 3]),
            moov,
        ]
        .concat()
    }

    #[test]
    fn the_video_tracks_stts_total() {
        assert_eq!(frame_count(&file(&[(100, 512), (20, 256)], 120)), Some(120));
    }

    #[test]
    fn disagreeing_tables_and_broken_trees_are_left_to_ffprobe() {
        assert_eq!(frame_count(&file(&[(100, 512)], 99)), None);
        assert_eq!(frame_count(&file(&[], 0)), None);
        let whole = file(&[(120, 512)], 120);
        assert_eq!(frame_count(&whole[..whole.len() - 3]), None);
        assert_eq!(frame_count(b"RIFF\0\0\0\0AVI "), None);
        assert_eq!(frame_count(&[]), None);
    }
}
