/* provdb receipt checker for the sourcing site (`provdb report`).
 *
 * Written from provdb's schema/receipt.md and the BLAKE3 and SHA-256
 * specifications; no other code. It checks, in the reader's browser and with
 * no server, that a citation receipt's source chunks hash (BLAKE3) to the
 * source's id, that the quote sits in them, and that the journal lines that
 * recorded the citation and its claim are in the checkpoint's tree (SHA-256,
 * RFC 9162). It does not recompute the claim's id (that needs Unicode case
 * folding; `provdb verify-receipt` and scripts/provdb_verify.py do), nor a
 * web page's original bytes behind a text layer.
 */
"use strict";

var ProvdbVerify = (function () {
  // ---- BLAKE3 (the specification's compression function and tree) ----
  var IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  var PERMUTATION = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];
  var CHUNK_START = 1, CHUNK_END = 2, PARENT = 4, ROOT = 8;
  var CHUNK_LEN = 1024;

  function rotr(x, n) {
    return ((x >>> n) | (x << (32 - n))) >>> 0;
  }

  function g(v, a, b, c, d, x, y) {
    v[a] = (v[a] + v[b] + x) >>> 0;
    v[d] = rotr(v[d] ^ v[a], 16);
    v[c] = (v[c] + v[d]) >>> 0;
    v[b] = rotr(v[b] ^ v[c], 12);
    v[a] = (v[a] + v[b] + y) >>> 0;
    v[d] = rotr(v[d] ^ v[a], 8);
    v[c] = (v[c] + v[d]) >>> 0;
    v[b] = rotr(v[b] ^ v[c], 7);
  }

  function compress(cv, block, counter, blockLen, flags) {
    var m = new Array(16);
    for (var i = 0; i < 16; i++) {
      m[i] = (block[4 * i] | (block[4 * i + 1] << 8) | (block[4 * i + 2] << 16) | (block[4 * i + 3] << 24)) >>> 0;
    }
    var v = cv.slice(0, 8).concat(IV.slice(0, 4), [
      counter % 0x100000000 >>> 0,
      Math.floor(counter / 0x100000000) >>> 0,
      blockLen,
      flags,
    ]);
    for (var round = 0; round < 7; round++) {
      g(v, 0, 4, 8, 12, m[0], m[1]);
      g(v, 1, 5, 9, 13, m[2], m[3]);
      g(v, 2, 6, 10, 14, m[4], m[5]);
      g(v, 3, 7, 11, 15, m[6], m[7]);
      g(v, 0, 5, 10, 15, m[8], m[9]);
      g(v, 1, 6, 11, 12, m[10], m[11]);
      g(v, 2, 7, 8, 13, m[12], m[13]);
      g(v, 3, 4, 9, 14, m[14], m[15]);
      if (round < 6) {
        var permuted = new Array(16);
        for (var j = 0; j < 16; j++) permuted[j] = m[PERMUTATION[j]];
        m = permuted;
      }
    }
    var out = new Array(8);
    for (var k = 0; k < 8; k++) out[k] = (v[k] ^ v[k + 8]) >>> 0;
    return out;
  }

  function wordsToBytes(words) {
    var out = new Uint8Array(32);
    for (var i = 0; i < 8; i++) {
      out[4 * i] = words[i] & 0xff;
      out[4 * i + 1] = (words[i] >>> 8) & 0xff;
      out[4 * i + 2] = (words[i] >>> 16) & 0xff;
      out[4 * i + 3] = (words[i] >>> 24) & 0xff;
    }
    return out;
  }

  function bytesToWords(bytes) {
    var out = new Array(8);
    for (var i = 0; i < 8; i++) {
      out[i] = (bytes[4 * i] | (bytes[4 * i + 1] << 8) | (bytes[4 * i + 2] << 16) | (bytes[4 * i + 3] << 24)) >>> 0;
    }
    return out;
  }

  /* The chaining value of chunk `index` holding `data` (0 to 1024 bytes),
   * with ROOT set when it is the whole input. */
  function chunkCv(data, index, root) {
    var cv = IV.slice();
    var blocks = Math.max(1, Math.ceil(data.length / 64));
    for (var b = 0; b < blocks; b++) {
      var block = new Uint8Array(64);
      var part = data.subarray(64 * b, Math.min(data.length, 64 * b + 64));
      block.set(part);
      var flags = (b === 0 ? CHUNK_START : 0) | (b === blocks - 1 ? CHUNK_END : 0);
      if (root && b === blocks - 1) flags |= ROOT;
      cv = compress(cv, block, index, part.length, flags);
    }
    return wordsToBytes(cv);
  }

  function parentCv(left, right, root) {
    var block = new Uint8Array(64);
    block.set(left, 0);
    block.set(right, 32);
    return wordsToBytes(compress(IV, block, 0, 64, PARENT | (root ? ROOT : 0)));
  }

  /* The largest power of two of chunks smaller than `length` bytes' chunks. */
  function leftLen(length) {
    var chunks = Math.floor((length - 1) / CHUNK_LEN) + 1;
    var p = 1;
    while (p * 2 < chunks) p *= 2;
    return p * CHUNK_LEN;
  }

  /* The BLAKE3 hash (32 bytes) of `data`. */
  function blake3(data) {
    if (data.length <= CHUNK_LEN) return chunkCv(data, 0, true);
    function node(offset, length, root) {
      if (length <= CHUNK_LEN) return chunkCv(data.subarray(offset, offset + length), offset / CHUNK_LEN, false);
      var k = leftLen(length);
      return parentCv(node(offset, k, false), node(offset + k, length - k, false), root);
    }
    return node(0, data.length, true);
  }

  // ---- SHA-256 (FIPS 180-4) ----
  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ];

  function sha256(data) {
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var bitLength = data.length * 8;
    var padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64);
    padded.set(data);
    padded[data.length] = 0x80;
    var high = Math.floor(bitLength / 0x100000000), low = bitLength >>> 0;
    var end = padded.length;
    padded[end - 8] = (high >>> 24) & 0xff;
    padded[end - 7] = (high >>> 16) & 0xff;
    padded[end - 6] = (high >>> 8) & 0xff;
    padded[end - 5] = high & 0xff;
    padded[end - 4] = (low >>> 24) & 0xff;
    padded[end - 3] = (low >>> 16) & 0xff;
    padded[end - 2] = (low >>> 8) & 0xff;
    padded[end - 1] = low & 0xff;
    var w = new Array(64);
    for (var offset = 0; offset < padded.length; offset += 64) {
      for (var t = 0; t < 16; t++) {
        var at = offset + 4 * t;
        w[t] = ((padded[at] << 24) | (padded[at + 1] << 16) | (padded[at + 2] << 8) | padded[at + 3]) >>> 0;
      }
      for (t = 16; t < 64; t++) {
        var s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
        var s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) >>> 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], gg = h[6], hh = h[7];
      for (t = 0; t < 64; t++) {
        var S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        var ch = (e & f) ^ (~e & gg);
        var temp1 = (hh + S1 + ch + K[t] + w[t]) >>> 0;
        var S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        var maj = (a & b) ^ (a & c) ^ (b & c);
        var temp2 = (S0 + maj) >>> 0;
        hh = gg; gg = f; f = e; e = (d + temp1) >>> 0;
        d = c; c = b; b = a; a = (temp1 + temp2) >>> 0;
      }
      h[0] = (h[0] + a) >>> 0; h[1] = (h[1] + b) >>> 0; h[2] = (h[2] + c) >>> 0; h[3] = (h[3] + d) >>> 0;
      h[4] = (h[4] + e) >>> 0; h[5] = (h[5] + f) >>> 0; h[6] = (h[6] + gg) >>> 0; h[7] = (h[7] + hh) >>> 0;
    }
    var out = new Uint8Array(32);
    for (var i = 0; i < 8; i++) {
      out[4 * i] = h[i] >>> 24; out[4 * i + 1] = (h[i] >>> 16) & 0xff;
      out[4 * i + 2] = (h[i] >>> 8) & 0xff; out[4 * i + 3] = h[i] & 0xff;
    }
    return out;
  }

  // ---- bytes ----
  function hex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  function utf8(text) {
    return new TextEncoder().encode(text);
  }

  function base64(text) {
    if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
      throw new Error("not base64");
    }
    var binary = atob(text);
    var out = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }

  function concat(parts) {
    var length = 0;
    parts.forEach(function (part) { length += part.length; });
    var out = new Uint8Array(length);
    var at = 0;
    parts.forEach(function (part) { out.set(part, at); at += part.length; });
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // ---- the log tree (RFC 9162 section 2.1.3.2, SHA-256) ----
  function leafHash(lineBytes) {
    return sha256(concat([new Uint8Array([0]), lineBytes]));
  }

  function nodeHash(left, right) {
    return sha256(concat([new Uint8Array([1]), left, right]));
  }

  function verifyInclusion(index, size, leaf, path, root) {
    if (size === 0 || index >= size) return false;
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < path.length; i++) {
      var p = path[i];
      if (p.length !== 32 || sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        r = nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && equal(r, root);
  }

  /* The entry a proved line records, or null when it is not in the checkpoint's tree. */
  function provedLine(line, checkpoint) {
    if (typeof line.line !== "string" || line.line.indexOf("\n") >= 0) return null;
    var entry;
    try {
      entry = JSON.parse(line.line);
    } catch (error) {
      return null;
    }
    if (!entry || entry.seq !== line.leaf_index + 1) return null;
    var path = line.proof.map(base64);
    var ok = verifyInclusion(line.leaf_index, checkpoint.size, leafHash(utf8(line.line + "\n")), path, base64(checkpoint.root));
    return ok ? entry : null;
  }

  // ---- the slice: chunks and chaining values to the quoted object's hash ----
  function sliceRoot(slice, length) {
    var data = base64(slice.bytes);
    var tail = base64(slice.tail);
    var start = slice.start;
    var coveredEnd = start + data.length;
    if (start % CHUNK_LEN !== 0 || data.length === 0 || coveredEnd > length) return { root: null, data: data };
    if (coveredEnd % CHUNK_LEN !== 0 && coveredEnd !== length) return { root: null, data: data };
    if (length <= CHUNK_LEN) {
      if (slice.cvs.length || tail.length || start !== 0 || coveredEnd !== length) return { root: null, data: data };
      return { root: blake3(data), data: data };
    }
    var lastStart = Math.floor((length - 1) / CHUNK_LEN) * CHUNK_LEN;
    var parts = [{ from: start, to: coveredEnd, bytes: data }];
    if (tail.length) {
      if (tail.length !== length - lastStart || coveredEnd > lastStart) return { root: null, data: data };
      parts.push({ from: lastStart, to: length, bytes: tail });
    } else if (coveredEnd !== length) {
      return { root: null, data: data };
    }
    var cvs = slice.cvs.map(base64);
    if (cvs.some(function (cv) { return cv.length !== 32; })) return { root: null, data: data };
    var next = 0;
    function touches(offset, n) {
      return parts.some(function (part) { return offset < part.to && part.from < offset + n; });
    }
    function rebuild(offset, n) {
      if (!touches(offset, n)) {
        if (next >= cvs.length) throw new Error("too few chaining values");
        return cvs[next++];
      }
      if (n <= CHUNK_LEN) {
        for (var i = 0; i < parts.length; i++) {
          var part = parts[i];
          if (part.from <= offset && offset + n <= part.to) {
            return chunkCv(part.bytes.subarray(offset - part.from, offset - part.from + n), offset / CHUNK_LEN, false);
          }
        }
        throw new Error("a chunk is only partly covered");
      }
      var k = leftLen(n);
      return parentCv(rebuild(offset, k), rebuild(offset + k, n - k), false);
    }
    try {
      var k = leftLen(length);
      var root = parentCv(rebuild(0, k), rebuild(k, length - k), true);
      return { root: next === cvs.length ? root : null, data: data };
    } catch (error) {
      return { root: null, data: data };
    }
  }

  // ---- canonical JSON and the citation id (schema/hashing.md) ----
  function canonical(value) {
    if (value === null || typeof value !== "object") return JSON.stringify(value);
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    var keys = Object.keys(value).sort(function (a, b) {
      var x = utf8(a), y = utf8(b);
      for (var i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
      return x.length - y.length;
    });
    return "{" + keys.map(function (key) { return JSON.stringify(key) + ":" + canonical(value[key]); }).join(",") + "}";
  }

  function citationId(body, actor, time) {
    var object = {
      type: "provdb.citation",
      v: 1,
      claim: body.claim,
      source: body.source,
      start: body.selector.start,
      end: body.selector.end,
      stance: body.stance,
      value_not_in_quote: body.value_not_in_quote,
      actor: actor,
      time: time,
    };
    if (body.layer !== null && body.layer !== undefined) object.layer = body.layer.object;
    return hex(blake3(utf8(canonical(object))));
  }

  function sameJson(a, b) {
    return canonical(a) === canonical(b);
  }

  /* Checks a version 4 receipt; returns {ok: true, summary} or {ok: false, link, why}. */
  function checkReceipt(receipt) {
    function fail(link, why) {
      return { ok: false, link: link, why: why };
    }
    try {
      if (!receipt || receipt.type !== "provdb.receipt" || receipt.v !== 4 || !receipt.claim_entry) {
        return fail("format", "not a provdb.receipt of version 4");
      }
      var checkpoint = receipt.checkpoint, claim = receipt.claim, c = receipt.citation, source = receipt.source;
      if (checkpoint.hash !== "sha256") return fail("checkpoint", "a version 4 receipt proves lines in the SHA-256 tree");
      var recordedClaim = provedLine(receipt.claim_entry, checkpoint);
      if (!recordedClaim) return fail("claim entry", "the claim's line is not in the checkpoint's tree");
      var change = Object.assign({}, recordedClaim.change);
      var op = change.op;
      delete change.op;
      if (op !== "record_claim" || !sameJson(change, claim)) {
        return fail("claim entry", "the proved line does not record the claim as the receipt states it");
      }
      var entry = provedLine(receipt.entry, checkpoint);
      if (!entry) return fail("log entry", "the citation's line is not in the checkpoint's tree");
      var first = provedLine(receipt.first, checkpoint);
      var signed = checkpoint.note !== undefined && checkpoint.note !== null;
      if (!first || first.seq !== 1 || (!signed && checkpoint.origin !== "provdb/" + (first.change && first.change.store))) {
        return fail("origin", "the checkpoint's origin is not the store named by the log's first entry");
      }
      var last = provedLine(receipt.last, checkpoint);
      if (!last || last.seq !== checkpoint.size) return fail("size", "the checkpoint's size is not the seq of its proved last line");
      var cite = entry.change;
      if (!cite || cite.op !== "cite") return fail("entry", "the proved line does not record a citation");
      var layer = receipt.layer;
      var stated = {
        claim: claim.id,
        source: source.id,
        selector: { exact: c.exact, prefix: c.prefix, suffix: c.suffix, start: c.start, end: c.end },
        stance: c.stance,
        value_not_in_quote: c.value_not_in_quote,
        layer: null,
      };
      if (layer) {
        stated.layer = { object: layer.object, original: layer.original };
        if (layer.pages && layer.pages.length) stated.layer.pages = layer.pages;
        if (layer.boxes && layer.boxes.length) stated.layer.boxes = layer.boxes;
      }
      var body = {
        claim: cite.claim,
        source: cite.source,
        selector: cite.selector,
        stance: cite.stance,
        value_not_in_quote: cite.value_not_in_quote,
        layer: cite.layer === undefined ? null : cite.layer,
      };
      if (cite.citation !== c.id || !sameJson(body, stated)) {
        return fail("entry", "the proved line records another citation than the receipt states");
      }
      var recorder = entry.origin || entry;
      if (citationId(body, recorder.actor, recorder.time) !== c.id) {
        return fail("citation id", "the citation's fields, actor and time do not hash to its id");
      }
      var quoted = source.id, length = source.length;
      if (layer) {
        var derived = provedLine(layer.entry, checkpoint);
        if (!derived) return fail("layer", "the text layer's line is not in the checkpoint's tree");
        var d = derived.change;
        if (d.op !== "derive_text" || d.source !== source.id || d.layer !== layer.object || d.size !== layer.length || derived.seq >= entry.seq) {
          return fail("layer", "the proved line does not derive this text layer from this source before the citation");
        }
        quoted = layer.object;
        length = layer.length;
      }
      var sliced = sliceRoot(receipt.slice, length);
      if (!sliced.root || hex(sliced.root) !== quoted) {
        return fail("slice", "the source's chunks and chaining values do not hash to its id");
      }
      var data = sliced.data;
      var exact = utf8(c.exact), prefix = utf8(c.prefix), suffix = utf8(c.suffix);
      var at = c.start - receipt.slice.start, end = c.end - receipt.slice.start;
      if (
        at - prefix.length < 0 ||
        end + suffix.length > data.length ||
        !equal(data.subarray(at, end), exact) ||
        !equal(data.subarray(at - prefix.length, at), prefix) ||
        !equal(data.subarray(end, end + suffix.length), suffix)
      ) {
        return fail("quote", "the source's bytes there are not the quote with its context");
      }
      return {
        ok: true,
        summary:
          "the quote is bytes " + c.start + "-" + c.end + " of " + quoted + ", recorded in entry " + entry.seq +
          " of " + checkpoint.origin + " (tree size " + checkpoint.size + ")",
      };
    } catch (error) {
      return fail("format", "the receipt cannot be read: " + error.message);
    }
  }

  /* Checks every receipt on the page: an element with data-receipt names
   * the script element holding the receipt's JSON; its descendant with
   * data-receipt-status gets "verified" or "failed". */
  function checkPage(doc) {
    var holders = doc.querySelectorAll("[data-receipt]");
    for (var i = 0; i < holders.length; i++) {
      var holder = holders[i];
      var status = holder.querySelector("[data-receipt-status]");
      var why = holder.querySelector("[data-receipt-why]");
      var script = doc.getElementById(holder.getAttribute("data-receipt"));
      var result;
      try {
        result = checkReceipt(JSON.parse(script.textContent));
      } catch (error) {
        result = { ok: false, link: "format", why: "the receipt is not JSON" };
      }
      if (status) {
        status.textContent = result.ok ? "verified" : "failed";
        status.setAttribute("data-receipt-status", result.ok ? "verified" : "failed");
      }
      if (why) why.textContent = result.ok ? result.summary : "at the " + result.link + " link: " + result.why;
    }
  }

  return {
    blake3: blake3,
    sha256: sha256,
    hex: hex,
    utf8: utf8,
    base64: base64,
    checkReceipt: checkReceipt,
    checkPage: checkPage,
    canonical: canonical,
    citationId: citationId,
  };
})();

if (typeof module !== "undefined" && module.exports) {
  module.exports = ProvdbVerify;
} else if (typeof document !== "undefined") {
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { ProvdbVerify.checkPage(document); });
  } else {
    ProvdbVerify.checkPage(document);
  }
}
