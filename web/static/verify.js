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

  function message(kind, arg) {
    const text = status.dataset[kind] || "";
    return arg === undefined ? text : text.replace("{0}", String(arg));
  }

  function show(result, kind, arg) {
    status.className = "check-status " + result;
    status.dataset.result = result;
    status.textContent = message(kind, arg);
  }

  function showOk(detail, arg) {
    status.className = "check-status ok";
    status.dataset.result = "ok";
    const mark = document.createElement("strong");
    mark.textContent = message("ok");
    const more = document.createElement("span");
    more.textContent = message(detail, arg);
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
    for (const line of note.slice(split + 2).split("\n")) {
      const words = line.split(" ");
      if (words.length !== 3 || words[0] !== "\u2014" || words[1] !== log.name) {
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
        const time = new DataView(sig.buffer, sig.byteOffset + 4, 8).getBigUint64(0);
        const signed = utf8.encode("cosignature/v1\ntime " + time.toString() + "\n" + body);
        if (!(await subtle.verify("Ed25519", key, sig.slice(12), signed))) {
          throw new Failure("failSignature");
        }
        timed = true;
      }
    }
    if (!plain || !timed) {
      throw new Failure("failSignature");
    }
    return { size, root };
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
      await checkEntry(cp);
    } catch (e) {
      throw e instanceof Failure ? e : new Failure("failInclusion");
    }
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
