//! The log as C2SP tlog-tiles: static files any web server or bucket can host.
//!
//! - `checkpoint`: the latest signed checkpoint;
//! - `tile/<L>/<N>[.p/<W>]`: hash tiles of height 8 (256 hashes of level `8·L`);
//! - `tile/entries/<N>[.p/<W>]`: entry bundles, each entry prefixed by its length as a
//!   big-endian u16.
//!
//! `N` is written in groups of three digits, all but the last prefixed with `x`
//! (`tile/0/x001/234`); a partial tile of width `W < 256` has the `.p/<W>` suffix. Full tiles
//! never change; partial tiles are kept, so that a reader of an older checkpoint finds them.
//! Tile coordinates, widths and hash tile contents are `tlog_tiles`'; this module maps them to
//! the C2SP paths, which drop the height (`tile/8/0/…` in the Go layout is `tile/0/…` here).
//!
//! Reading goes through a [`LogSource`]: [`DirSource`] reads a folder (a local mirror);
//! `HttpSource` (feature `http`) reads a web server or bucket. Every hash read from a source is
//! authenticated against a signed checkpoint by `tlog_tiles`' tile reader before use.

use std::{
    cell::RefCell,
    fs,
    path::{Path, PathBuf},
};

use tlog_tiles::{HashReader, Tile, TileHashReader, TileReader, HASH_SIZE};

use crate::{
    checkpoint::SignedCheckpoint,
    log::{Log, LogError},
    store::{Store, StoreError},
    tree::Hash,
};

/// Height of the tiles: 8 (256 hashes or entries per tile), as C2SP tlog-tiles fixes it.
pub const TILE_HEIGHT: u8 = 8;

/// Entries or hashes in a full tile.
pub const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;

/// Path of the checkpoint file.
pub const CHECKPOINT_PATH: &str = "checkpoint";

/// `tlog_tiles`' `Tile::new` panics on a level from this one on.
const LEVEL_LIMIT: u8 = 64;

/// Reading or writing tiles failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TileError {
    /// The path is not a tile path.
    #[error("`{0}` is not a tlog-tiles path (tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>])")]
    BadPath(String),
    /// The tile is not part of the tree of that size.
    #[error("tile `{path}` is not complete in a tree of {size} entries")]
    BeyondTree {
        /// The path.
        path: String,
        /// The tree size.
        size: u64,
    },
    /// A file the source should have is not there.
    #[error("`{0}` is not served by the log: the mirror is incomplete or the log is behind its checkpoint")]
    NotFound(String),
    /// The source could not be read or written.
    #[error("cannot read or write `{path}`: {reason}")]
    Io {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// The log's server could not be reached, or broke off.
    #[error("cannot fetch {url}: {reason}; check the address, the network and that the log's server is up")]
    Unreachable {
        /// The address.
        url: String,
        /// Why.
        reason: String,
    },
    /// The log's server answered with an HTTP error.
    #[error("{url} answered HTTP {status}: the log's server refused or failed; check the address, or try again later")]
    HttpStatus {
        /// The address.
        url: String,
        /// The status code.
        status: u16,
    },
    /// A response is larger than anything the log can serve at that path.
    #[error("`{path}` is larger than {limit} bytes, more than a log can serve there: the server is not a tlog-tiles log, or is misbehaving")]
    TooLarge {
        /// The path.
        path: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The log's address is not usable.
    #[error("`{0}` is not a log address: give an http:// or https:// URL of the folder holding `checkpoint` and `tile/`, without query or fragment")]
    BadUrl(String),
    /// A tile or bundle is malformed or does not match the signed checkpoint.
    #[error("the log serves bad data: {0}")]
    BadData(String),
    /// The log's storage failed.
    #[error(transparent)]
    Log(#[from] LogError),
}

impl TileError {
    /// Whether this says nothing about the log's honesty: the log could not be reached, or
    /// the reader was pointed at the wrong place. Every other error is the log failing a
    /// check.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            Self::Unreachable { .. } | Self::HttpStatus { .. } | Self::Io { .. } | Self::BadUrl(_)
        )
    }
}

impl From<StoreError> for TileError {
    fn from(e: StoreError) -> Self {
        Self::Log(e.into())
    }
}

/// The C2SP path of a tile (hash tile or entry bundle).
pub fn tile_path(tile: &Tile) -> String {
    let go = tile.path();
    let rest = go
        .strip_prefix("tile/8/")
        .expect("every tile here has height 8, and tlog_tiles writes tile/<H>/");
    match rest.strip_prefix("data/") {
        Some(n) => format!("tile/entries/{n}"),
        None => format!("tile/{rest}"),
    }
}

/// Parses a C2SP tile path (the inverse of [`tile_path`]); refuses non-canonical paths.
///
/// Paths come from anyone (the service's tile route serves whatever a client asks for), so
/// this never panics: `tlog_tiles`' `Tile::new` asserts a level below 64 and a non-zero
/// partial width, and both are refused here before it sees them.
pub fn parse_tile_path(path: &str) -> Result<Tile, TileError> {
    let bad = || TileError::BadPath(path.to_owned());
    let components: Vec<&str> = path.split('/').collect();
    let level_ok = components.get(1).is_some_and(|level| {
        *level == "entries" || level.parse::<u8>().map_or(true, |l| l < LEVEL_LIMIT)
    });
    // The component after a `.p` one is the width: as `tlog_tiles` reads it, any spelling of
    // zero (`0`, `00`, `+0`) is zero.
    let width_ok = components
        .windows(2)
        .all(|pair| !pair[0].ends_with(".p") || pair[1].parse::<u32>() != Ok(0));
    if !level_ok || !width_ok {
        return Err(bad());
    }
    let rest = path.strip_prefix("tile/").ok_or_else(bad)?;
    let go = match rest.strip_prefix("entries/") {
        Some(n) => format!("tile/8/data/{n}"),
        None => format!("tile/8/{rest}"),
    };
    let tile = Tile::from_path(&go).map_err(|_| bad())?;
    if tile_path(&tile) != path {
        return Err(bad());
    }
    Ok(tile)
}

/// Encodes entries as an entry bundle.
pub fn encode_bundle(entries: &[Vec<u8>]) -> Result<Vec<u8>, TileError> {
    let mut out = Vec::new();
    for e in entries {
        let len = u16::try_from(e.len())
            .map_err(|_| TileError::BadData(format!("an entry of {} bytes", e.len())))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Decodes an entry bundle.
pub fn decode_bundle(mut data: &[u8]) -> Result<Vec<Vec<u8>>, TileError> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let [a, b, rest @ ..] = data else {
            return Err(TileError::BadData(
                "an entry bundle ends inside a length prefix".into(),
            ));
        };
        let len = usize::from(u16::from_be_bytes([*a, *b]));
        if rest.len() < len {
            return Err(TileError::BadData(
                "an entry bundle ends inside an entry".into(),
            ));
        }
        out.push(rest[..len].to_vec());
        data = &rest[len..];
    }
    Ok(out)
}

/// Whether `tile` is complete in the tree of `size` entries.
fn tile_in_tree(tile: &Tile, size: u64) -> bool {
    let level_bits = u32::from(tile.level()) * u32::from(TILE_HEIGHT);
    // Hashes (or entries) the tree has at this level: none above its height.
    let available = size.checked_shr(level_bits).unwrap_or(0);
    // The index comes from a client's path and can be as large as u64::MAX: a tile whose end
    // does not fit in a u64 is in no tree (a shift would wrap it onto the first tiles).
    tile.level_index()
        .checked_mul(TILE_WIDTH)
        .and_then(|start| start.checked_add(u64::from(tile.width())))
        .is_some_and(|end| end <= available)
}

/// Every tile (hash tiles and entry bundles) to publish when the tree grows from `old_size` to
/// `new_size`.
pub fn new_tiles(old_size: u64, new_size: u64) -> Vec<Tile> {
    let hash_tiles = Tile::new_tiles(TILE_HEIGHT, old_size, new_size);
    let mut data: Vec<Tile> = hash_tiles
        .iter()
        .filter(|t| t.level() == 0)
        .copied()
        .collect();
    for t in &mut data {
        t.set_is_data();
    }
    hash_tiles.into_iter().chain(data).collect()
}

impl<S: Store> Log<S> {
    /// The content of the tile at C2SP `path` in the tree of `size` entries: what a tile server
    /// answers.
    pub fn tile(&self, path: &str, size: u64) -> Result<Vec<u8>, TileError> {
        let tile = parse_tile_path(path)?;
        if size > self.size()? || !tile_in_tree(&tile, size) {
            return Err(TileError::BeyondTree {
                path: path.to_owned(),
                size,
            });
        }
        self.tile_data(&tile)
    }

    fn tile_data(&self, tile: &Tile) -> Result<Vec<u8>, TileError> {
        if tile.is_data() {
            let start = tile.level_index() << TILE_HEIGHT;
            let entries = self.entries_bytes(start, start + u64::from(tile.width()))?;
            encode_bundle(&entries)
        } else {
            let reader = self.reader();
            tile.read_data(&reader)
                .map_err(|e| TileError::Log(LogError::Store(StoreError::Backend(e.to_string()))))
        }
    }

    /// Writes the tiles that growing from `old_size` to `checkpoint.size()` adds, then the
    /// checkpoint, into the folder `dir` (a static mirror). Each file is written to a temporary
    /// name, flushed, renamed, and its folder flushed, and the checkpoint last, so that a
    /// reader never sees a checkpoint whose tiles are missing, even after a crash. Use `old_size = 0` for a fresh folder.
    pub fn write_tiles(
        &self,
        dir: &Path,
        old_size: u64,
        checkpoint: &SignedCheckpoint,
    ) -> Result<(), TileError> {
        let size = checkpoint.size();
        if size > self.size()? || checkpoint.origin() != self.origin() {
            return Err(TileError::BeyondTree {
                path: CHECKPOINT_PATH.into(),
                size,
            });
        }
        for tile in new_tiles(old_size.min(size), size) {
            let path = tile_path(&tile);
            let full = tile.width() == TILE_WIDTH as u32;
            if full && dir.join(&path).exists() {
                continue; // full tiles never change
            }
            write_atomic(&dir.join(&path), &self.tile_data(&tile)?)?;
        }
        write_atomic(&dir.join(CHECKPOINT_PATH), checkpoint.to_bytes())
    }
}

fn write_atomic(path: &Path, data: &[u8]) -> Result<(), TileError> {
    probity_core::durable::write_atomic(path, data).map_err(|e| TileError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// Where a log is read from: a folder or a server holding its tiles.
pub trait LogSource {
    /// The bytes at a path relative to the log's root: [`CHECKPOINT_PATH`] or a tile path.
    /// A missing file is [`TileError::NotFound`].
    fn read(&self, path: &str) -> Result<Vec<u8>, TileError>;

    /// The latest signed checkpoint note.
    fn checkpoint(&self) -> Result<Vec<u8>, TileError> {
        self.read(CHECKPOINT_PATH)
    }
}

/// A log mirrored in a local folder.
#[derive(Clone, Debug)]
pub struct DirSource {
    root: PathBuf,
}

impl DirSource {
    /// The log in folder `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

impl LogSource for DirSource {
    fn read(&self, path: &str) -> Result<Vec<u8>, TileError> {
        if path != CHECKPOINT_PATH {
            parse_tile_path(path)?; // also keeps the path inside the folder
        }
        fs::read(self.root.join(path)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => TileError::NotFound(path.to_owned()),
            _ => TileError::Io {
                path: path.to_owned(),
                reason: e.to_string(),
            },
        })
    }
}

/// Reads a tile, falling back to the full tile when a partial one is gone.
fn read_tile<L: LogSource + ?Sized>(source: &L, tile: &Tile) -> Result<Vec<u8>, TileError> {
    match source.read(&tile_path(tile)) {
        Err(TileError::NotFound(p)) if tile.width() < TILE_WIDTH as u32 => {
            let full = if tile.is_data() {
                let mut t = Tile::new(TILE_HEIGHT, 0, tile.level_index(), TILE_WIDTH as u32, true);
                t.set_is_data();
                t
            } else {
                Tile::new(
                    TILE_HEIGHT,
                    tile.level(),
                    tile.level_index(),
                    TILE_WIDTH as u32,
                    false,
                )
            };
            match source.read(&tile_path(&full)) {
                Ok(data) if !tile.is_data() => Ok(data
                    .get(..tile.width() as usize * HASH_SIZE)
                    .unwrap_or(&data)
                    .to_vec()),
                Ok(data) => Ok(data),
                Err(TileError::NotFound(_)) => Err(TileError::NotFound(p)),
                Err(e) => Err(e),
            }
        }
        other => other,
    }
}

/// `tlog_tiles`' tile reader over a source; keeps the source's error for the caller.
struct SourceTiles<'a, L: ?Sized> {
    source: &'a L,
    error: RefCell<Option<TileError>>,
}

impl<L: LogSource + ?Sized> TileReader for SourceTiles<'_, L> {
    fn height(&self) -> u8 {
        TILE_HEIGHT
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| {
                read_tile(self.source, t).map_err(|e| {
                    self.error.replace(Some(e));
                    tlog_tiles::Error::InvalidTile
                })
            })
            .collect()
    }

    fn save_tiles(&self, _tiles: &[Tile], _data: &[Vec<u8>]) {}
}

/// Hashes read from a source's tiles, each authenticated against a signed checkpoint.
pub struct VerifiedHashes<'a, L: ?Sized> {
    tiles: SourceTiles<'a, L>,
    size: u64,
    root: Hash,
}

impl<'a, L: LogSource + ?Sized> VerifiedHashes<'a, L> {
    /// A reader of the tree of `checkpoint` from `source`.
    pub fn new(source: &'a L, checkpoint: &SignedCheckpoint) -> Self {
        Self {
            tiles: SourceTiles {
                source,
                error: RefCell::new(None),
            },
            size: checkpoint.size(),
            root: checkpoint.root(),
        }
    }

    /// The source error behind the last failed read, or a description of a tlog error.
    pub(crate) fn explain(&self, e: tlog_tiles::Error) -> TileError {
        self.tiles.error.take().unwrap_or_else(|| match e {
            tlog_tiles::Error::InconsistentTile => {
                TileError::BadData("the tiles do not hash to the checkpoint's root".into())
            }
            other => TileError::BadData(other.to_string()),
        })
    }

    /// The leaf hashes of entries `start..end`, authenticated.
    pub fn leaf_hashes(&self, start: u64, end: u64) -> Result<Vec<Hash>, TileError> {
        if start >= end {
            return Ok(Vec::new());
        }
        let indexes: Vec<u64> = (start..end)
            .map(|i| tlog_tiles::stored_hash_index(0, i))
            .collect();
        self.read_hashes(&indexes).map_err(|e| self.explain(e))
    }
}

impl<L: LogSource + ?Sized> HashReader for VerifiedHashes<'_, L> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        if self.size == 0 {
            return if indexes.is_empty() {
                Ok(Vec::new())
            } else {
                Err(tlog_tiles::Error::IndexesNotInTree)
            };
        }
        TileHashReader::new(self.size, self.root, &self.tiles).read_hashes(indexes)
    }
}

/// Entries `start..end` of the tree of `size` entries, read from the entry bundles (not
/// authenticated: compare their leaf hashes with [`VerifiedHashes::leaf_hashes`]).
pub fn read_entries<L: LogSource + ?Sized>(
    source: &L,
    start: u64,
    end: u64,
    size: u64,
) -> Result<Vec<Vec<u8>>, TileError> {
    if end > size || start > end {
        return Err(TileError::BeyondTree {
            path: format!("entries {start}..{end}"),
            size,
        });
    }
    let mut out = Vec::new();
    let mut n = start >> TILE_HEIGHT;
    while (n << TILE_HEIGHT) < end {
        let first = n << TILE_HEIGHT;
        let width = (size - first).min(TILE_WIDTH);
        let mut tile = Tile::new(
            TILE_HEIGHT,
            0,
            n,
            u32::try_from(width).expect("at most 256"),
            true,
        );
        tile.set_is_data();
        let bundle = decode_bundle(&read_tile(source, &tile)?)?;
        if (bundle.len() as u64) < width {
            return Err(TileError::BadData(format!(
                "{} holds {} entries, expected {width}",
                tile_path(&tile),
                bundle.len()
            )));
        }
        let lo = start.max(first) - first;
        let hi = end.min(first + width) - first;
        out.extend(
            bundle
                .into_iter()
                .skip(lo as usize)
                .take((hi - lo) as usize),
        );
        n += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_c2sp() {
        let t = Tile::new(8, 0, 1_234_067, 256, false);
        assert_eq!(tile_path(&t), "tile/0/x001/x234/067");
        let t = Tile::new(8, 2, 5, 7, false);
        assert_eq!(tile_path(&t), "tile/2/005.p/7");
        let mut d = Tile::new(8, 0, 1000, 3, false);
        d.set_is_data();
        assert_eq!(tile_path(&d), "tile/entries/x001/000.p/3");
        for p in [
            "tile/0/x001/x234/067",
            "tile/2/005.p/7",
            "tile/entries/x001/000.p/3",
            "tile/entries/000",
        ] {
            assert_eq!(
                parse_tile_path(p).map(|t| tile_path(&t)).ok().as_deref(),
                Some(p)
            );
        }
        for p in [
            "tile/8/0/000",
            "tile/0/0",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/../x",
            "checkpoint",
            "tile/entries/000.p/0",
        ] {
            assert!(parse_tile_path(p).is_err(), "{p}");
        }
    }

    #[test]
    fn bundles_round_trip_and_refuse_truncation() {
        let entries = vec![b"{}".to_vec(), Vec::new(), vec![7u8; 300]];
        let b = encode_bundle(&entries).expect("encodes");
        assert_eq!(decode_bundle(&b).expect("decodes"), entries);
        assert!(decode_bundle(&b[..b.len() - 1]).is_err());
        assert!(decode_bundle(&[0]).is_err());
        assert!(encode_bundle(&[vec![0u8; 70_000]]).is_err());
    }

    #[test]
    fn levels_from_64_and_zero_widths_are_refused_not_panicked_on() {
        for p in [
            "tile/64/000",
            "tile/255/000",
            "tile/063/000",
            "tile/+64/000",
            "tile/0/000.p/00",
            "tile/0/000.p/+0",
            "tile/entries/000.p/000",
        ] {
            assert!(
                matches!(parse_tile_path(p), Err(TileError::BadPath(_))),
                "{p}"
            );
        }
        // Level 63 is a valid (if empty) level: parsed, and in no tree.
        let top = parse_tile_path("tile/63/000").expect("canonical");
        assert!(!tile_in_tree(&top, u64::MAX));
    }

    #[test]
    fn tile_membership() {
        assert!(tile_in_tree(&Tile::new(8, 0, 0, 5, false), 5));
        assert!(!tile_in_tree(&Tile::new(8, 0, 0, 6, false), 5));
        assert!(tile_in_tree(&Tile::new(8, 1, 0, 1, false), 256));
        assert!(!tile_in_tree(&Tile::new(8, 1, 0, 2, false), 511));
        // An index whose tile would start past u64::MAX is in no tree; shifting it would
        // wrap it onto tile 0.
        assert!(!tile_in_tree(&Tile::new(8, 0, 1 << 56, 5, false), 5));
        assert!(!tile_in_tree(
            &Tile::new(8, 0, u64::MAX >> 8, 256, false),
            u64::MAX
        ));
    }
}
