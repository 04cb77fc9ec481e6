// A minimal streaming tar (ustar + pax) writer for build contexts and volume
// files: regular files, directories and symlinks. Owners are 0 unless an entry
// sets them, and mtimes are one fixed instant, so the same files always give the
// same bytes (and image layers don't change just because a file was touched).

import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ContextEntry } from './context';

const BLOCK = 512;
/** 2000-01-01T00:00:00Z: a fixed, plausible mtime for every entry. */
export const NORMALISED_MTIME = 946684800;

/** A tar stream of `entries`, in the given order, ending with the two zero blocks. */
export function tarStream(entries: ContextEntry[]): Readable {
  return Readable.from(generate(entries), { objectMode: false });
}

/** The same tar as one Buffer: an archive sent to several containers is built once. */
export async function tarBuffer(entries: ContextEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of generate(entries)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function* generate(entries: ContextEntry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
    const size = entry.type === 'file' ? (entry.content?.length ?? entry.size) : 0;
    const linkTarget = entry.linkTarget ?? '';
    const pax: Record<string, string> = {};
    if (!fitsUstar(name, 100)) pax.path = name;
    if (!fitsUstar(linkTarget, 100)) pax.linkpath = linkTarget;
    if (Object.keys(pax).length > 0) {
      const body = paxBody(pax);
      yield header({ name: paxName(name), mode: 0o644, size: body.length, type: 'x', linkTarget: '', uid: 0, gid: 0 });
      yield body;
      yield padding(body.length);
    }
    const type = entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2';
    yield header({ name, mode: entry.mode, size, type, linkTarget, uid: entry.uid ?? 0, gid: entry.gid ?? 0 });
    if (entry.type !== 'file') continue;
    if (entry.content) {
      yield entry.content;
    } else {
      yield* fileBody(entry.abs!, size);
    }
    yield padding(size);
  }
  yield Buffer.alloc(BLOCK * 2);
}

/** Exactly `size` bytes of the file: a file that changed since it was listed is cut or zero-padded, keeping the tar valid. */
async function* fileBody(abs: string, size: number): AsyncGenerator<Buffer> {
  let sent = 0;
  if (size > 0) {
    const chunks: AsyncIterable<Buffer> = createReadStream(abs, { end: size - 1 }); // no encoding set: Buffers
    for await (const chunk of chunks) {
      const part = chunk.length > size - sent ? chunk.subarray(0, size - sent) : chunk;
      sent += part.length;
      yield part;
      if (sent >= size) break;
    }
  }
  if (sent < size) yield Buffer.alloc(size - sent);
}

function fitsUstar(s: string, max: number): boolean {
  return Buffer.byteLength(s) <= max && /^[\x20-\x7e]*$/.test(s);
}

function paxName(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  return `PaxHeader/${ascii.slice(-80)}`;
}

/** pax records: "<len> <key>=<value>\n", where <len> counts the whole record, itself included. */
function paxBody(fields: Record<string, string>): Buffer {
  const records = Object.entries(fields).map(([k, v]) => {
    const rest = ` ${k}=${v}\n`;
    const restLen = Buffer.byteLength(rest);
    let len = restLen;
    while (len !== restLen + String(len).length) len = restLen + String(len).length;
    return `${len}${rest}`;
  });
  return Buffer.from(records.join(''), 'utf8');
}

interface Header {
  name: string;
  mode: number;
  size: number;
  type: string;
  linkTarget: string;
  uid: number;
  gid: number;
}

function header(h: Header): Buffer {
  const b = Buffer.alloc(BLOCK);
  writeString(b, 0, 100, h.name);
  writeOctal(b, 100, 8, h.mode & 0o7777);
  writeOctal(b, 108, 8, h.uid);
  writeOctal(b, 116, 8, h.gid);
  writeOctal(b, 124, 12, h.size);
  writeOctal(b, 136, 12, NORMALISED_MTIME);
  b.fill(0x20, 148, 156); // checksum is computed over spaces
  b.write(h.type, 156, 1, 'ascii');
  writeString(b, 157, 100, h.linkTarget);
  b.write('ustar\u000000', 257, 8, 'binary');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i];
  b.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'binary');
  return b;
}

/** Writes as much of `s` as fits; longer values travel in the pax header. */
function writeString(b: Buffer, offset: number, len: number, s: string): void {
  const bytes = Buffer.from(s, 'utf8');
  bytes.copy(b, offset, 0, Math.min(len, bytes.length));
}

function writeOctal(b: Buffer, offset: number, len: number, n: number): void {
  const digits = n.toString(8);
  if (digits.length > len - 1) throw new Error(`tar header field too large: ${n}`);
  b.write(`${digits.padStart(len - 1, '0')}\u0000`, offset, len, 'ascii');
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}
