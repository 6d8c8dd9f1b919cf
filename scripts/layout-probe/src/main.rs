//! Load a session from a layout written by scripts/storage-layouts and time it; or record one
//! at one commit a second. Prototype code for the design note (docs/storage-design.md).
//!
//!   layout-probe load DB LAYOUT SESSION [REPEAT]   LAYOUT: a | b | b-rel | c
//!   layout-probe record DB METHOD N                METHOD: a | tail | staging

use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OpenFlags};

#[derive(Debug, Clone, PartialEq)]
struct Reading {
    t_ms: i64,
    hr: u16,
    contact: Option<bool>,
    energy_kj: Option<u16>,
    rr: Vec<u16>,
}

#[derive(Debug)]
struct Bad(&'static str);

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn varint(&mut self) -> Result<u64, Bad> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let byte = *self.b.get(self.pos).ok_or(Bad("block ends inside a varint"))?;
            self.pos += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
            if shift > 63 {
                return Err(Bad("varint too long"));
            }
        }
    }
    fn zz(&mut self) -> Result<i64, Bad> {
        let u = self.varint()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }
    fn take(&mut self, k: usize) -> Result<&'a [u8], Bad> {
        let s = self
            .b
            .get(self.pos..self.pos + k)
            .ok_or(Bad("block too short"))?;
        self.pos += k;
        Ok(s)
    }
    /// A nibble column of `k` values (15 = escape: 15 + a varint that follows the nibbles).
    fn nibbles(&mut self, k: usize, out: &mut Vec<u64>) -> Result<(), Bad> {
        let nib = self.take(k.div_ceil(2))?;
        out.clear();
        out.extend((0..k).map(|i| u64::from((nib[i >> 1] >> ((i & 1) * 4)) & 15)));
        for v in out.iter_mut() {
            if *v == 15 {
                *v = 15 + self.varint()?;
            }
        }
        Ok(())
    }
}

fn narrow16(v: i64) -> Result<u16, Bad> {
    u16::try_from(v).map_err(|_| Bad("value out of range"))
}

/// Format 1 (docs/storage-design.md): append the block's readings to `out`.
fn decode_block(start_ms: i64, data: &[u8], out: &mut Vec<Reading>) -> Result<u8, Bad> {
    if data.len() < 3 || data[0] != 1 {
        return Err(Bad("unknown block format"));
    }
    let flags = data[1];
    if flags & 0xe0 != 0 {
        return Err(Bad("reserved flags"));
    }
    let unit = flags & 1;
    let cmode = (flags >> 1) & 3;
    let has_energy = flags & 8 != 0;
    let regular = flags & 16 != 0;
    let mut c = Cursor { b: data, pos: 2 };
    let n = usize::try_from(c.varint()?).map_err(|_| Bad("n"))?;
    if n == 0 || n > 65_536 || (regular && n == 1) {
        return Err(Bad("bad reading count"));
    }
    let first = out.len();
    let mut t = start_ms;
    out.push(Reading {
        t_ms: t,
        hr: 0,
        contact: None,
        energy_kj: None,
        rr: Vec::new(),
    });
    if regular {
        let d = i64::try_from(c.varint()?).map_err(|_| Bad("interval"))?;
        for _ in 1..n {
            t = t.checked_add(d).ok_or(Bad("time overflow"))?;
            out.push(Reading {
                t_ms: t,
                hr: 0,
                contact: None,
                energy_kj: None,
                rr: Vec::new(),
            });
        }
    } else {
        let mut d: i64 = 1000;
        for _ in 1..n {
            d = d.checked_add(c.zz()?).ok_or(Bad("delta overflow"))?;
            if d < 0 {
                return Err(Bad("time goes backwards"));
            }
            t = t.checked_add(d).ok_or(Bad("time overflow"))?;
            out.push(Reading {
                t_ms: t,
                hr: 0,
                contact: None,
                energy_kj: None,
                rr: Vec::new(),
            });
        }
    }
    let rs = &mut out[first..];
    let mut hr = i64::try_from(c.varint()?).map_err(|_| Bad("hr"))?;
    let mut scratch = Vec::with_capacity(n);
    c.nibbles(n - 1, &mut scratch)?;
    rs[0].hr = narrow16(hr)?;
    for (r, &u) in rs[1..].iter_mut().zip(&scratch) {
        hr += ((u >> 1) as i64) ^ -((u & 1) as i64);
        r.hr = narrow16(hr)?;
    }
    let contact_of = |code: u8| match code {
        0 => Ok(None),
        1 => Ok(Some(false)),
        2 => Ok(Some(true)),
        _ => Err(Bad("contact code 3")),
    };
    if cmode == 3 {
        let packed = c.take(n.div_ceil(4))?;
        for (i, r) in rs.iter_mut().enumerate() {
            r.contact = contact_of((packed[i >> 2] >> ((i & 3) * 2)) & 3)?;
        }
    } else {
        let v = contact_of(cmode)?;
        for r in rs.iter_mut() {
            r.contact = v;
        }
    }
    if has_energy {
        let bitmap = c.take(n.div_ceil(8))?;
        let mut prev: Option<i64> = None;
        for (i, r) in rs.iter_mut().enumerate() {
            if bitmap[i >> 3] >> (i & 7) & 1 == 1 {
                let v = match prev {
                    None => i64::try_from(c.varint()?).map_err(|_| Bad("energy"))?,
                    Some(p) => p + c.zz()?,
                };
                r.energy_kj = Some(narrow16(v)?);
                prev = Some(v);
            }
        }
    }
    c.nibbles(n, &mut scratch)?;
    let mut prev: Option<i64> = None;
    for (r, &k) in rs.iter_mut().zip(&scratch) {
        let k = usize::try_from(k).map_err(|_| Bad("rr count"))?;
        if k > 1024 {
            return Err(Bad("rr count"));
        }
        r.rr.reserve_exact(k);
        for _ in 0..k {
            let v = match prev {
                None => i64::try_from(c.varint()?).map_err(|_| Bad("rr"))?,
                Some(p) => p + c.zz()?,
            };
            r.rr.push(narrow16(v)?);
            prev = Some(v);
        }
    }
    if c.pos != data.len() {
        return Err(Bad("bytes left"));
    }
    Ok(unit)
}

fn contact_sql(v: Option<i64>) -> Option<bool> {
    v.map(|c| c == 1)
}

fn load(conn: &Connection, layout: &str, id: i64) -> Vec<Reading> {
    let mut out = Vec::new();
    match layout {
        "a" => {
            let mut st = conn
                .prepare_cached(
                    "SELECT t_ms, hr, contact, energy_kj, rr FROM readings WHERE session_id = ?1 \
                     ORDER BY t_ms, rowid",
                )
                .unwrap();
            let mut rows = st.query([id]).unwrap();
            while let Some(row) = rows.next().unwrap() {
                let rr = row.get_ref(4).unwrap().as_blob().unwrap();
                out.push(Reading {
                    t_ms: row.get(0).unwrap(),
                    hr: row.get(1).unwrap(),
                    contact: contact_sql(row.get(2).unwrap()),
                    energy_kj: row.get(3).unwrap(),
                    rr: rr
                        .chunks_exact(2)
                        .map(|p| u16::from_le_bytes([p[0], p[1]]))
                        .collect(),
                });
            }
        }
        "b" | "b-rel" => {
            let mut st = conn
                .prepare_cached(
                    "SELECT t, hr, f, energy_kj, rr FROM readings WHERE session_id = ?1 ORDER BY t",
                )
                .unwrap();
            let mut rows = st.query([id]).unwrap();
            while let Some(row) = rows.next().unwrap() {
                let rr = row.get_ref(4).unwrap().as_blob().unwrap();
                let f: i64 = row.get(2).unwrap();
                out.push(Reading {
                    t_ms: row.get(0).unwrap(),
                    hr: row.get(1).unwrap(),
                    contact: match f & 3 {
                        0 => None,
                        1 => Some(false),
                        _ => Some(true),
                    },
                    energy_kj: row.get(3).unwrap(),
                    rr: rr
                        .chunks_exact(2)
                        .map(|p| u16::from_le_bytes([p[0], p[1]]))
                        .collect(),
                });
            }
        }
        _ => {
            let mut st = conn
                .prepare_cached(
                    "SELECT start_ms, data FROM reading_blocks WHERE session_id = ?1 \
                     ORDER BY start_ms",
                )
                .unwrap();
            let mut rows = st.query([id]).unwrap();
            while let Some(row) = rows.next().unwrap() {
                let start: i64 = row.get(0).unwrap();
                let data = row.get_ref(1).unwrap().as_blob().unwrap();
                decode_block(start, data, &mut out).unwrap();
            }
        }
    }
    out
}

fn stats(mut v: Vec<Duration>) -> String {
    v.sort();
    format!(
        "min {:.2} ms, median {:.2} ms",
        v[0].as_secs_f64() * 1e3,
        v[v.len() / 2].as_secs_f64() * 1e3
    )
}

/// Varint/zigzag helpers for the recorder's encoder (the same format).
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}
fn zz(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}
fn put_nibbles(out: &mut Vec<u8>, vals: impl Iterator<Item = u64> + Clone) {
    let k = vals.clone().count();
    let at = out.len();
    out.resize(at + k.div_ceil(2), 0);
    let mut esc = Vec::new();
    for (i, v) in vals.enumerate() {
        let nib = if v >= 15 {
            put_varint(&mut esc, v - 15);
            15
        } else {
            v as u8
        };
        out[at + (i >> 1)] |= nib << ((i & 1) * 4);
    }
    out.extend_from_slice(&esc);
}

fn encode_block(rs: &[Reading], unit: u8, out: &mut Vec<u8>) {
    out.clear();
    let n = rs.len();
    let code = |c: Option<bool>| match c {
        None => 0u8,
        Some(false) => 1,
        Some(true) => 2,
    };
    let cmode = if rs.iter().all(|r| r.contact == rs[0].contact) {
        code(rs[0].contact)
    } else {
        3
    };
    let has_energy = rs.iter().any(|r| r.energy_kj.is_some());
    let d0 = if n > 1 { rs[1].t_ms - rs[0].t_ms } else { 0 };
    let regular = n > 1 && rs.windows(2).all(|w| w[1].t_ms - w[0].t_ms == d0);
    out.push(1);
    out.push(unit | (cmode << 1) | (u8::from(has_energy) << 3) | (u8::from(regular) << 4));
    put_varint(out, n as u64);
    if regular {
        put_varint(out, d0 as u64);
    } else {
        let mut prev = 1000;
        for w in rs.windows(2) {
            let d = w[1].t_ms - w[0].t_ms;
            put_varint(out, zz(d - prev));
            prev = d;
        }
    }
    put_varint(out, u64::from(rs[0].hr));
    put_nibbles(
        out,
        rs.windows(2)
            .map(|w| zz(i64::from(w[1].hr) - i64::from(w[0].hr))),
    );
    if cmode == 3 {
        let at = out.len();
        out.resize(at + n.div_ceil(4), 0);
        for (i, r) in rs.iter().enumerate() {
            out[at + (i >> 2)] |= code(r.contact) << ((i & 3) * 2);
        }
    }
    if has_energy {
        let at = out.len();
        out.resize(at + n.div_ceil(8), 0);
        for (i, r) in rs.iter().enumerate() {
            if r.energy_kj.is_some() {
                out[at + (i >> 3)] |= 1 << (i & 7);
            }
        }
        let mut prev: Option<i64> = None;
        for e in rs.iter().filter_map(|r| r.energy_kj) {
            let e = i64::from(e);
            match prev {
                None => put_varint(out, e as u64),
                Some(p) => put_varint(out, zz(e - p)),
            }
            prev = Some(e);
        }
    }
    put_nibbles(out, rs.iter().map(|r| r.rr.len() as u64));
    let mut prev: Option<i64> = None;
    for v in rs.iter().flat_map(|r| r.rr.iter()) {
        let v = i64::from(*v);
        match prev {
            None => put_varint(out, v as u64),
            Some(p) => put_varint(out, zz(v - p)),
        }
        prev = Some(v);
    }
}

fn record(path: &str, method: &str, n: usize) {
    for s in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{s}"));
    }
    let mut conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    conn.execute_batch(
        "CREATE TABLE readings (session_id INTEGER NOT NULL, t_ms INTEGER NOT NULL, hr INTEGER \
         NOT NULL, contact INTEGER, energy_kj INTEGER, rr BLOB NOT NULL);
         CREATE INDEX readings_by_session ON readings(session_id, t_ms);
         CREATE TABLE reading_blocks (session_id INTEGER NOT NULL, start_ms INTEGER NOT NULL,
         data BLOB NOT NULL, PRIMARY KEY (session_id, start_ms)) WITHOUT ROWID;",
    )
    .unwrap();
    let mut open: Vec<Reading> = Vec::new();
    let mut blob = Vec::new();
    let mut times = Vec::with_capacity(n);
    let t0 = 1_714_521_600_000i64;
    for i in 0..n {
        let hr = 120 + (i % 7) as u16;
        let r = Reading {
            t_ms: t0 + 1000 * i as i64 + (i % 3) as i64,
            hr,
            contact: Some(true),
            energy_kj: (i % 10 == 0).then_some((i / 10) as u16),
            rr: vec![500 + (i % 5) as u16, 503],
        };
        let start = Instant::now();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .unwrap();
        match method {
            "a" => {
                let rr: Vec<u8> = r.rr.iter().flat_map(|v| v.to_le_bytes()).collect();
                tx.prepare_cached("INSERT INTO readings VALUES (1, ?1, ?2, 1, ?3, ?4)")
                    .unwrap()
                    .execute(params![r.t_ms, r.hr, r.energy_kj, rr])
                    .unwrap();
            }
            _ => {
                if open.len() >= 64 {
                    open.clear();
                }
                open.push(r);
                encode_block(&open, 0, &mut blob);
                tx.prepare_cached(
                    "INSERT INTO reading_blocks VALUES (1, ?1, ?2) ON CONFLICT \
                     (session_id, start_ms) DO UPDATE SET data = excluded.data",
                )
                .unwrap()
                .execute(params![open[0].t_ms, blob])
                .unwrap();
            }
        }
        tx.commit().unwrap();
        times.push(start.elapsed());
    }
    let wal = std::fs::metadata(format!("{path}-wal")).map(|m| m.len()).unwrap_or(0);
    println!(
        "record {method}: {n} commits, {}; WAL now {wal} bytes",
        stats(times)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("load") => {
            let conn =
                Connection::open_with_flags(&args[2], OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
            let layout = args[3].as_str();
            let id: i64 = args[4].parse().unwrap();
            let repeat: usize = args.get(5).map_or(20, |r| r.parse().unwrap());
            let first = load(&conn, layout, id);
            let mut times = Vec::new();
            for _ in 0..repeat {
                let t = Instant::now();
                let rs = load(&conn, layout, id);
                times.push(t.elapsed());
                assert_eq!(rs.len(), first.len());
            }
            let rr: usize = first.iter().map(|r| r.rr.len()).sum();
            println!(
                "load {layout} session {id}: {} readings, {rr} RR: {}",
                first.len(),
                stats(times)
            );
        }
        Some("check") => {
            // The open-time check of today's talkzone (schema.rs): PRAGMA quick_check(5) on a
            // read-only connection, with the bundled SQLite talkzone links.
            let conn =
                Connection::open_with_flags(&args[2], OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
            let mut times = Vec::new();
            for _ in 0..args.get(3).map_or(3, |r| r.parse().unwrap()) {
                let t = Instant::now();
                let ok: String = conn
                    .query_row("PRAGMA quick_check(5)", [], |r| r.get(0))
                    .unwrap();
                times.push(t.elapsed());
                assert_eq!(ok, "ok");
            }
            let v: String = conn
                .query_row("SELECT sqlite_version()", [], |r| r.get(0))
                .unwrap();
            println!("quick_check (SQLite {v}): {}", stats(times));
        }
        Some("record") => record(&args[2], &args[3], args[4].parse().unwrap()),
        _ => eprintln!("usage: layout-probe load DB LAYOUT SESSION [REPEAT] | record DB METHOD N"),
    }
}
