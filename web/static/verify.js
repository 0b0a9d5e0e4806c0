// Probity public register: checks what a log page shows against the signed log, in the
// visitor's browser, with WebCrypto only (Ed25519 and SHA-256).
//
// - The checkpoint's signed note (#checkpoint-note) must carry both signatures of the log's
//   key (#log-key, `origin+id+base64(0x01 || key)`): the plain Ed25519 one over the note's
//   body, and the timestamped cosignature/v1 one over "cosignature/v1\ntime T\n" + body
//   (C2SP signed-note, tlog-cosignature).
// - An entry (#entry-json) must be in the checkpoint's tree by its audit path (#audit-path),
//   RFC 6962 / RFC 9162 §2.1.3.2; a consistency proof shown (#consistency-proof) must lead
//   from its old root to the checkpoint's, RFC 9162 §2.1.4.2.
// - A cosignature on the note by a witness the page names (#witness-keys, `name+id+
//   base64(0x04 || key)`) must verify under its key, over the same cosignature/v1 message;
//   a cosignature by anyone else is listed as not checked (#cosignatures), never with a ✓.
// - Each entry the page lists with a mark (.entry-check: its canonical JSON, which this
//   script hashes itself, and its audit path) must be in the checkpoint's tree, and the row
//   around it must show what the JSON says: its index, type and time, the official the page
//   is about, and each figure it shows of the entry (.entry-field: a filing's period and
//   commitment, a challenge's period and deadline). Each mark gets a ✓ or a ✗.
// - The checkpoint must be consistent with the one this browser saw last for this origin
//   (localStorage), under the same key; it is then kept in its place.
//
// It reads the page's text, so it checks what the visitor sees. It holds no text of its own:
// every message is a data attribute of #browser-check, in the page's language. Nothing is
// marked as checked unless every check passed.
"use strict";
(function () {
  const status = document.getElementById("browser-check");
  if (!status) {
    return;
  }

  // A check that failed, and the data attribute that says so.
  class Failure extends Error {
    constructor(kind, arg) {
      super(kind);
      this.kind = kind;
      this.arg = arg;
    }
  }

  function message(kind, ...args) {
    let text = status.dataset[kind] || "";
    args.forEach((arg, i) => {
      text = text.replace("{" + i + "}", String(arg));
    });
    return text;
  }

  function show(result, kind, arg) {
    status.className = "check-status " + result;
    status.dataset.result = result;
    status.textContent = arg === undefined ? message(kind) : message(kind, arg);
  }

  function showOk(detail, arg) {
    status.className = "check-status ok";
    status.dataset.result = "ok";
    const mark = document.createElement("strong");
    mark.textContent = message("ok");
    const more = document.createElement("span");
    more.textContent = arg === undefined ? message(detail) : message(detail, arg);
    status.replaceChildren(mark, " ", more);
  }

  const subtle = window.crypto && window.crypto.subtle;
  if (!window.isSecureContext || !subtle) {
    show("insecure", "insecure");
    return;
  }
  show("running", "running");

  const utf8 = new TextEncoder();

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  function equal(a, b) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }

  function fromBase64(text) {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }

  function toBase64(bytes) {
    return btoa(String.fromCharCode(...bytes));
  }

  function fromHex(text) {
    const clean = text.trim();
    if (!/^([0-9a-f]{2})*$/.test(clean)) {
      throw new Error("not hex");
    }
    return Uint8Array.from(clean.match(/../g) || [], (h) => parseInt(h, 16));
  }

  async function sha256(bytes) {
    return new Uint8Array(await subtle.digest("SHA-256", bytes));
  }

  const leafHash = (entry) => sha256(concat(Uint8Array.of(0), entry));
  const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

  // Sizes and indices stay below 2^53: halving with Math.floor, not 32-bit shifts.
  const half = (n) => Math.floor(n / 2);
  const odd = (n) => n % 2 === 1;

  // RFC 9162 §2.1.3.2.
  async function verifyInclusion(index, size, leaf, path, root) {
    if (index >= size) {
      return false;
    }
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    for (const p of path) {
      if (sn === 0) {
        return false;
      }
      if (odd(fn) || fn === sn) {
        r = await nodeHash(p, r);
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 && equal(r, root);
  }

  function powerOfTwo(n) {
    while (n > 1 && !odd(n)) {
      n = half(n);
    }
    return n === 1;
  }

  // RFC 9162 §2.1.4.2.
  async function verifyConsistency(first, second, firstRoot, secondRoot, path) {
    if (first > second) {
      return false;
    }
    if (first === second) {
      return path.length === 0 && equal(firstRoot, secondRoot);
    }
    if (first === 0) {
      return path.length === 0;
    }
    const hashes = powerOfTwo(first) ? [firstRoot, ...path] : path;
    if (hashes.length === 0) {
      return false;
    }
    let fn = first - 1;
    let sn = second - 1;
    while (odd(fn)) {
      fn = half(fn);
      sn = half(sn);
    }
    let fr = hashes[0];
    let sr = hashes[0];
    for (const c of hashes.slice(1)) {
      if (sn === 0) {
        return false;
      }
      if (odd(fn) || fn === sn) {
        fr = await nodeHash(c, fr);
        sr = await nodeHash(c, sr);
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else {
        sr = await nodeHash(sr, c);
      }
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 && equal(fr, firstRoot) && equal(sr, secondRoot);
  }

  // The first 4 bytes of SHA-256(name || "\n" || type || key): a signature line's key ID.
  async function keyId(name, type, key) {
    const digest = await sha256(concat(utf8.encode(name + "\n"), Uint8Array.of(type), key));
    return digest.slice(0, 4);
  }

  // The log's verifier key, `name+hex(id)+base64(0x01 || key)`; its ID must be its own.
  async function readKey(vkey) {
    const a = vkey.indexOf("+");
    const b = vkey.indexOf("+", a + 1);
    if (a <= 0 || b !== a + 9) {
      throw new Failure("failSignature");
    }
    const name = vkey.slice(0, a);
    const id = fromHex(vkey.slice(a + 1, b));
    const typed = fromBase64(vkey.slice(b + 1));
    if (typed.length !== 33 || typed[0] !== 0x01) {
      throw new Failure("failSignature");
    }
    const key = typed.slice(1);
    if (!equal(id, await keyId(name, 0x01, key))) {
      throw new Failure("failSignature");
    }
    return { name, key };
  }

  // The checkpoint in a signed note, if the log's two signatures on it verify.
  async function readCheckpoint(note, log) {
    const split = note.indexOf("\n\n");
    if (split < 0) {
      throw new Failure("failSignature");
    }
    const body = note.slice(0, split + 1);
    const lines = body.split("\n");
    if (lines.length < 4 || lines[0] !== log.name || !/^[0-9]{1,15}$/.test(lines[1])) {
      throw new Failure("failSignature");
    }
    const size = Number(lines[1]);
    const root = fromBase64(lines[2]);
    if (root.length !== 32) {
      throw new Failure("failSignature");
    }
    const key = await subtle.importKey("raw", log.key, { name: "Ed25519" }, false, ["verify"]);
    const plainId = await keyId(log.name, 0x01, log.key);
    const timedId = await keyId(log.name, 0x04, log.key);
    let plain = false;
    let timed = false;
    const others = [];
    for (const line of note.slice(split + 2).split("\n")) {
      const words = line.split(" ");
      if (words.length !== 3 || words[0] !== "\u2014") {
        continue;
      }
      if (words[1] !== log.name) {
        others.push({ name: words[1], sig: words[2] });
        continue;
      }
      const sig = fromBase64(words[2]);
      const id = sig.slice(0, 4);
      if (equal(id, plainId) && sig.length === 4 + 64) {
        if (!(await subtle.verify("Ed25519", key, sig.slice(4), utf8.encode(body)))) {
          throw new Failure("failSignature");
        }
        plain = true;
      } else if (equal(id, timedId) && sig.length === 4 + 8 + 64) {
        if ((await verifyTimed(key, sig, body)) === null) {
          throw new Failure("failSignature");
        }
        timed = true;
      }
    }
    if (!plain || !timed) {
      throw new Failure("failSignature");
    }
    return { size, root, body, others };
  }

  // A cosignature/v1 signature (key ID, big-endian time, Ed25519 signature) over
  // "cosignature/v1\ntime T\n" + body: its time if it verifies, else null.
  async function verifyTimed(key, sig, body) {
    const time = new DataView(sig.buffer, sig.byteOffset + 4, 8).getBigUint64(0);
    if (time > 0x7fffffffffffffffn) {
      return null;
    }
    const signed = utf8.encode("cosignature/v1\ntime " + time.toString() + "\n" + body);
    return (await subtle.verify("Ed25519", key, sig.slice(12), signed)) ? time : null;
  }

  // A time in UTC as the pages write it, "YYYY-MM-DD HH:MM UTC", from ms since the epoch.
  function utc(ms) {
    const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString();
    return iso.slice(0, 10) + " " + iso.slice(11, 16) + " UTC";
  }

  // The witness keys the page names, `name+hex(id)+base64(0x04 || key)`, each with its own ID.
  async function witnessKeys() {
    const list = document.getElementById("witness-keys");
    const keys = [];
    for (const li of list ? list.querySelectorAll("li") : []) {
      const vkey = li.textContent.trim();
      const a = vkey.indexOf("+");
      const b = vkey.indexOf("+", a + 1);
      const name = vkey.slice(0, a);
      if (a <= 0 || b !== a + 9) {
        throw new Failure("failCosignature", name || vkey);
      }
      const typed = fromBase64(vkey.slice(b + 1));
      const id = fromHex(vkey.slice(a + 1, b));
      if (typed.length !== 33 || typed[0] !== 0x04 || !equal(id, await keyId(name, 0x04, typed.slice(1)))) {
        throw new Failure("failCosignature", name);
      }
      const key = await subtle.importKey("raw", typed.slice(1), { name: "Ed25519" }, false, ["verify"]);
      keys.push({ name, id, key });
    }
    return keys;
  }

  function listCosignature(result, kind, ...args) {
    const list = document.getElementById("cosignatures");
    if (list) {
      const li = document.createElement("li");
      li.className = "cosignature " + result;
      li.dataset.result = result;
      li.textContent = message(kind, ...args);
      list.append(li);
    }
  }

  // Every cosignature on the note by someone other than the log: checked if the page names
  // the witness's key, listed as not checked if not. Fails on the first that does not verify.
  async function checkCosignatures(cp) {
    const keys = await witnessKeys();
    let bad = null;
    for (const other of cp.others) {
      let sig;
      try {
        sig = fromBase64(other.sig);
      } catch (_) {
        sig = new Uint8Array();
      }
      const known = keys.find((k) => k.name === other.name && equal(k.id, sig.slice(0, 4)));
      if (!known) {
        listCosignature("unknown", "cosignatureUnknown", other.name);
        continue;
      }
      const time = sig.length === 4 + 8 + 64 ? await verifyTimed(known.key, sig, cp.body) : null;
      if (time === null) {
        listCosignature("bad", "cosignatureBad", other.name);
        bad = bad || new Failure("failCosignature", other.name);
      } else {
        listCosignature("ok", "cosigned", other.name, utc(Number(time) * 1000));
      }
    }
    if (bad) {
      throw bad;
    }
  }

  function hashes(listId) {
    const list = document.getElementById(listId);
    return list ? Array.from(list.querySelectorAll("li"), (li) => fromHex(li.textContent)) : [];
  }

  // The entry shown, in the checkpoint's tree.
  async function checkEntry(cp) {
    const shown = document.getElementById("entry-json");
    if (!shown) {
      return;
    }
    const index = Number(shown.dataset.index);
    const leaf = await leafHash(utf8.encode(shown.textContent));
    if (!(await verifyInclusion(index, cp.size, leaf, hashes("audit-path"), cp.root))) {
      throw new Failure("failInclusion");
    }
  }

  // A period as the pages write it: a year, or a month as YYYY-MM.
  function periodText(p) {
    return p > 9999 ? Math.floor(p / 100) + "-" + String(p % 100).padStart(2, "0") : String(p);
  }

  // A commitment as the tables shorten it (its whole in the title).
  function shortened(c) {
    const chars = Array.from(c);
    return chars.length > 20 ? chars.slice(0, 10).join("") + "\u2026" + chars.slice(-6).join("") : c;
  }

  // Whether a figure a row shows (.entry-field) is its entry's member, as the pages write it.
  function fieldShown(el, entry) {
    const value = entry[el.dataset.field];
    const shown = el.textContent.trim();
    switch (el.dataset.field) {
      case "period":
        return Number.isSafeInteger(value) && shown === periodText(value);
      case "deadline":
        return Number.isSafeInteger(value) && shown === utc(value);
      case "commitment":
        return typeof value === "string" && el.title === value && shown === shortened(value);
      default:
        return false; // A figure this script cannot hold to the entry gets no ✓.
    }
  }

  // Whether the row around a mark shows what the entry says.
  function shownAsLogged(mark, entry) {
    const row = mark.closest("tr, li, p");
    const shown = (cls) => {
      const cell = row && row.querySelector("." + cls);
      return cell ? cell.textContent.trim() : null;
    };
    const index = shown("entry-index");
    const kind = shown("entry-kind");
    const time = shown("entry-time");
    const official = mark.dataset.official;
    return (
      (index === null || index === mark.dataset.index) &&
      (kind === null || kind === entry.type) &&
      (time === null || (Number.isSafeInteger(entry.time) && time === utc(entry.time))) &&
      (official === undefined || entry.official === official) &&
      Array.from(row ? row.querySelectorAll(".entry-field") : []).every((el) => fieldShown(el, entry))
    );
  }

  async function checkMark(mark, cp) {
    try {
      const index = Number(mark.dataset.index);
      const json = mark.dataset.entryJson;
      const path = (mark.dataset.path || "").split(" ").filter((h) => h).map(fromHex);
      const leaf = await leafHash(utf8.encode(json));
      return (
        Number.isSafeInteger(index) &&
        (await verifyInclusion(index, cp.size, leaf, path, cp.root)) &&
        shownAsLogged(mark, JSON.parse(json))
      );
    } catch (_) {
      return false;
    }
  }

  // Every entry the page marks: in the checkpoint's tree, and shown as logged. Each mark
  // gets its ✓ or ✗; fails with the first entry that does not check.
  async function checkEntries(cp) {
    let bad = null;
    for (const mark of document.querySelectorAll(".entry-check")) {
      const ok = await checkMark(mark, cp);
      mark.dataset.result = ok ? "ok" : "bad";
      mark.className = "entry-check " + (ok ? "ok" : "bad");
      mark.textContent = message(ok ? "entryOk" : "entryBad");
      mark.title = ok ? message("entryOkTitle") : "";
      if (!ok && !bad) {
        bad = new Failure("failEntry", mark.dataset.index);
      }
    }
    if (bad) {
      throw bad;
    }
  }

  // The consistency proof shown, from its old root to the checkpoint's.
  async function checkShownProof(cp) {
    const shown = document.getElementById("consistency-proof");
    if (!shown) {
      return;
    }
    const from = Number(shown.dataset.from);
    const oldRoot = fromHex(document.getElementById("consistency-old-root").textContent);
    const path = hashes("consistency-path");
    if (!(await verifyConsistency(from, cp.size, oldRoot, cp.root, path))) {
      throw new Failure("failProof");
    }
  }

  async function fetchConsistency(older, newer) {
    let proof;
    try {
      const response = await fetch(`/v1/log/consistency?old=${older}&new=${newer}`, {
        cache: "no-store",
      });
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      proof = await response.json();
    } catch (_) {
      throw new Failure("failFetch");
    }
    if (!proof || !Array.isArray(proof.path)) {
      throw new Failure("failFetch");
    }
    return proof.path.map(fromBase64);
  }

  // Consistency with the checkpoint this browser saw last for this log; the newer of the two
  // is kept. Returns the detail to show.
  async function checkSeen(log, vkey, cp) {
    const slot = "probity-checkpoint:" + log.name;
    let seen = null;
    try {
      seen = JSON.parse(window.localStorage.getItem(slot));
    } catch (_) {
      seen = null;
    }
    let detail = ["okFirst"];
    let keep = true;
    let seenRoot = null;
    try {
      seenRoot = seen && Number.isSafeInteger(seen.size) ? fromBase64(seen.root) : null;
    } catch (_) {
      seenRoot = null; // A record this script did not write: as if none.
    }
    if (seenRoot && seenRoot.length === 32) {
      if (seen.key !== vkey) {
        throw new Failure("failKey");
      }
      const fork = new Failure("failConsistency", seen.size);
      if (seen.size <= cp.size) {
        const path = seen.size === cp.size || seen.size === 0 ? [] : await fetchConsistency(seen.size, cp.size);
        if (!(await verifyConsistency(seen.size, cp.size, seenRoot, cp.root, path))) {
          throw fork;
        }
      } else {
        // An older checkpoint than the one seen (a cache, another tab): it must be a prefix.
        const path = cp.size === 0 ? [] : await fetchConsistency(cp.size, seen.size);
        if (!(await verifyConsistency(cp.size, seen.size, cp.root, seenRoot, path))) {
          throw fork;
        }
        keep = false;
      }
      detail = ["okConsistent", seen.size];
    }
    if (keep) {
      try {
        const record = { key: vkey, size: cp.size, root: toBase64(cp.root) };
        window.localStorage.setItem(slot, JSON.stringify(record));
      } catch (_) {
        // No storage (a private window may refuse it): the checks of this page still hold.
      }
    }
    return detail;
  }

  async function run() {
    const vkey = document.getElementById("log-key").textContent.trim();
    const note = document.getElementById("checkpoint-note").textContent;
    let cp;
    let log;
    try {
      log = await readKey(vkey);
      cp = await readCheckpoint(note, log);
    } catch (e) {
      throw e instanceof Failure ? e : new Failure("failSignature");
    }
    try {
      await checkCosignatures(cp);
    } catch (e) {
      throw e instanceof Failure ? e : new Failure("failCosignature", "?");
    }
    try {
      await checkEntry(cp);
    } catch (e) {
      throw e instanceof Failure ? e : new Failure("failInclusion");
    }
    await checkEntries(cp);
    try {
      await checkShownProof(cp);
    } catch (e) {
      throw e instanceof Failure ? e : new Failure("failProof");
    }
    return checkSeen(log, vkey, cp);
  }

  run().then(
    ([detail, arg]) => showOk(detail, arg),
    (e) => {
      if (e instanceof Failure) {
        show("bad", e.kind, e.arg);
      } else {
        show("bad", "failSignature");
      }
    }
  );
})();
