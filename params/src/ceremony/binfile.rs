//! iden3's binary container, shared by `.r1cs`, `.ptau` and `.zkey` files: a 4-byte magic,
//! a `u32` version, a `u32` count of sections, then each section as a `u32` type, a `u64`
//! size and its bytes (every integer little-endian).

use std::{
    io::{Read, Seek, SeekFrom},
    ops::Range,
};

use super::CeremonyError;

/// Where each section of a container lies: (type, byte range in the file).
pub(crate) struct Sections(Vec<(u32, Range<u64>)>);

impl Sections {
    /// Reads the head and the section table of a container of kind `magic` and version at
    /// most `max_version`, seeking past each section's bytes (which must all be there).
    pub(crate) fn read<R: Read + Seek>(
        r: &mut R,
        magic: &[u8; 4],
        max_version: u32,
    ) -> Result<Self, CeremonyError> {
        let kind = String::from_utf8_lossy(magic).into_owned();
        let short = |_| CeremonyError::Format(format!("the .{kind} file ends early"));
        let mut head = [0u8; 12];
        r.read_exact(&mut head).map_err(short)?;
        if &head[..4] != magic {
            return Err(CeremonyError::Format(format!("not a .{kind} file")));
        }
        let version = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        if version == 0 || version > max_version {
            return Err(CeremonyError::Format(format!(
                "version {version} of the .{kind} format is not supported"
            )));
        }
        let count = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
        let end = r.seek(SeekFrom::End(0)).map_err(short)?;
        let mut at = 12u64;
        let mut sections = Vec::new();
        for _ in 0..count {
            r.seek(SeekFrom::Start(at)).map_err(short)?;
            let mut entry = [0u8; 12];
            r.read_exact(&mut entry).map_err(short)?;
            let id = u32::from_le_bytes([entry[0], entry[1], entry[2], entry[3]]);
            let mut size = [0u8; 8];
            size.copy_from_slice(&entry[4..]);
            let start = at + 12;
            let stop = start
                .checked_add(u64::from_le_bytes(size))
                .filter(|stop| *stop <= end)
                .ok_or_else(|| CeremonyError::Format(format!("the .{kind} file ends early")))?;
            sections.push((id, start..stop));
            at = stop;
        }
        Ok(Sections(sections))
    }

    /// The byte range of the one section of type `kind`.
    pub(crate) fn find(&self, kind: u32) -> Result<Range<u64>, CeremonyError> {
        let mut found = self.0.iter().filter(|(k, _)| *k == kind);
        match (found.next(), found.next()) {
            (Some((_, range)), None) => Ok(range.clone()),
            (None, _) => Err(CeremonyError::Format(format!("section {kind} is missing"))),
            (Some(_), Some(_)) => Err(CeremonyError::Format(format!(
                "section {kind} appears more than once"
            ))),
        }
    }

    /// Whether a section of type `kind` is present.
    pub(crate) fn has(&self, kind: u32) -> bool {
        self.0.iter().any(|(k, _)| *k == kind)
    }
}

/// Writes a container: the head, then sections in the order they are added.
pub(crate) struct Writer {
    out: Vec<u8>,
    count_at: usize,
    count: u32,
}

impl Writer {
    pub(crate) fn new(magic: &[u8; 4], version: u32) -> Self {
        let mut out = Vec::new();
        out.extend_from_slice(magic);
        out.extend_from_slice(&version.to_le_bytes());
        let count_at = out.len();
        out.extend_from_slice(&0u32.to_le_bytes());
        Writer {
            out,
            count_at,
            count: 0,
        }
    }

    /// Adds a section of type `kind` with `body`.
    pub(crate) fn section(&mut self, kind: u32, body: &[u8]) {
        self.out.extend_from_slice(&kind.to_le_bytes());
        self.out
            .extend_from_slice(&(body.len() as u64).to_le_bytes());
        self.out.extend_from_slice(body);
        self.count += 1;
    }

    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.out[self.count_at..self.count_at + 4].copy_from_slice(&self.count.to_le_bytes());
        self.out
    }
}
