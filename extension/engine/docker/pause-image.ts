// The pod sandbox image, made locally: a FROM-scratch image holding one tiny static
// program that waits forever (what Kubernetes' pause container does). Flotilla uses it
// for a pod's sandbox (owning the pod's network and holding its memory volumes) and as
// the never-started container through which volume files are written. It is generated
// byte by byte here and imported through the Engine API, so it needs no registry, no
// compiler and no build context, on x86-64 and arm64 engines alike.
//
// The program takes no signals (PID 1 ignores those without a handler), so its
// containers are created with StopSignal SIGKILL: stopping a sandbox is immediate.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { Readable } from 'node:stream';
import { tarStream } from '../build/tar';
import { LABELS } from './labels';

const BASE = 0x400000;
const HEADERS = 64 + 56;

/** The loop, per architecture. */
const CODE: Record<'x86_64' | 'aarch64', { machine: number; code: number[] }> = {
  // 1: mov eax, 34 (pause); syscall; jmp 1b
  x86_64: { machine: 0x3e, code: [0xb8, 0x22, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7] },
  // arm64 has no pause(2): ppoll(NULL, 0, NULL, NULL, 0) blocks the same way.
  // 1: mov x0..x3, #0; mov x8, #73; svc #0; b 1b
  aarch64: {
    machine: 0xb7,
    code: [0xd2800000, 0xd2800001, 0xd2800002, 0xd2800003, 0xd2800928, 0xd4000001, 0x17fffffa].flatMap((w) => [
      w & 0xff,
      (w >>> 8) & 0xff,
      (w >>> 16) & 0xff,
      (w >>> 24) & 0xff,
    ]),
  },
};

/** A static ELF64 executable: one PT_LOAD segment (headers and code), entry right after the headers. */
export function pauseElf(arch: 'x86_64' | 'aarch64'): Buffer {
  const { machine, code } = CODE[arch];
  const size = HEADERS + code.length;
  const b = Buffer.alloc(size);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // \x7fELF, 64-bit, little-endian, version 1, System V
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(machine, 18);
  b.writeUInt32LE(1, 20); // EV_CURRENT
  b.writeBigUInt64LE(BigInt(BASE + HEADERS), 24); // e_entry
  b.writeBigUInt64LE(64n, 32); // e_phoff
  b.writeUInt16LE(64, 52); // e_ehsize
  b.writeUInt16LE(56, 54); // e_phentsize
  b.writeUInt16LE(1, 56); // e_phnum
  b.writeUInt16LE(64, 58); // e_shentsize
  // Program header: PT_LOAD, R+X, the whole file at BASE.
  b.writeUInt32LE(1, 64);
  b.writeUInt32LE(5, 68);
  b.writeBigUInt64LE(0n, 72);
  b.writeBigUInt64LE(BigInt(BASE), 80);
  b.writeBigUInt64LE(BigInt(BASE), 88);
  b.writeBigUInt64LE(BigInt(size), 96);
  b.writeBigUInt64LE(BigInt(size), 104);
  b.writeBigUInt64LE(0x1000n, 112);
  b.set(code, HEADERS);
  return b;
}

export function engineArch(info: { Architecture?: string }): 'x86_64' | 'aarch64' {
  const a = info.Architecture ?? 'x86_64';
  if (a === 'x86_64' || a === 'amd64') return 'x86_64';
  if (a === 'aarch64' || a === 'arm64') return 'aarch64';
  throw new Error(`the Docker engine runs on ${a}; Flotilla's pod sandbox exists for x86_64 and arm64 only`);
}

const PAUSE_REPO = 'flotilla.local/pause';
const cache = new WeakMap<Docker, Promise<string>>();

/** The sandbox image's reference, imported once per engine (the tag names the program's content). */
export function ensurePauseImage(docker: Docker): Promise<string> {
  let p = cache.get(docker);
  if (!p) {
    p = importPause(docker).catch((e: unknown) => {
      cache.delete(docker);
      throw e;
    });
    cache.set(docker, p);
  }
  return p;
}

async function importPause(docker: Docker): Promise<string> {
  const elf = pauseElf(engineArch((await docker.info()) as { Architecture?: string }));
  const tag = createHash('sha256').update(elf).digest('hex').slice(0, 12);
  const ref = `${PAUSE_REPO}:${tag}`;
  const found = await docker
    .getImage(ref)
    .inspect()
    .then(
      () => true,
      (e: { statusCode?: number }) => {
        if (e.statusCode === 404) return false;
        throw e;
      },
    );
  if (found) return ref;
  const tar: Readable = tarStream([{ path: 'pause', type: 'file', mode: 0o755, size: elf.length, content: elf }]);
  const progress = await docker.importImage(tar, {
    repo: PAUSE_REPO,
    tag,
    changes: ['CMD ["/pause"]', `LABEL ${LABELS.role}=pause`],
  });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(progress, (err: Error | null, out: { error?: string }[]) => {
      const failed = out?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(`importing the pod sandbox image failed: ${failed?.error}`));
      else resolve();
    }),
  );
  return ref;
}
