// Builds a stack's image through the Engine API (POST /build with a tar of the
// context), skipping the build when the tagged image already carries the
// context hash. Output is streamed line by line; a failed step rejects with an
// Error naming the Dockerfile, the step and the daemon's message.

import type Dockerode from 'dockerode';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import type { BuildSpec } from '../model/types';
import { LABELS } from '../docker/labels';
import { builtOnCurrentBase, finalBaseImage, missingBaseImage } from './base-image';
import { collectContext } from './context';
import { hashListing } from './context-hash';
import { tarStream } from './tar';
import { errorMessage, statusCodeOf, throwIfCancelled } from '../util/errors';

export interface BuildOptions {
  stack: string;
  /** The stack folder; contexts and Dockerfiles outside it are refused. */
  stackDir: string;
  /** Each line of build output, without its newline. */
  onOutput?: (line: string) => void;
  /** Each Dockerfile step as the daemon starts it ("Step 3/9 : RUN npm ci"). */
  onStep?: (step: BuildStep) => void;
  signal?: AbortSignal;
  /** Refuse bigger contexts (default 512 MiB of files). */
  maxContextBytes?: number;
}

export interface BuildResult {
  /** The tag built or found, always with a tag part, e.g. `shop/web:latest`. */
  image: string;
  /** The image ID (sha256:...). */
  id: string;
  /** The context hash the image is labelled with. */
  hash: string;
  /** True when an image with this tag and hash existed and nothing was built. */
  cached: boolean;
}

/** Adds `:latest` to an untagged reference; a registry port is not a tag. */
export function withTag(image: string): string {
  if (image.includes('@')) {
    throw new Error(`cannot build image "${image}": a digest reference names an existing image, use a tag instead`);
  }
  const lastSlash = image.lastIndexOf('/');
  return image.slice(lastSlash + 1).includes(':') ? image : `${image}:latest`;
}

// Builds of one tag run one after the other in this process: a save that lands
// while `up` is building waits, then finds the image up to date or rebuilds.
const queues = new Map<string, Promise<unknown>>();

export async function buildImage(docker: Dockerode, spec: BuildSpec, opts: BuildOptions): Promise<BuildResult> {
  const image = withTag(spec.image);
  const previous = queues.get(image) ?? Promise.resolve();
  // The previous build's failure was reported to its own caller; this one starts regardless.
  const mine = previous.catch(() => undefined).then(() => buildOnce(docker, spec, opts, image));
  queues.set(image, mine);
  try {
    return await mine;
  } finally {
    if (queues.get(image) === mine) queues.delete(image);
  }
}

async function buildOnce(docker: Dockerode, spec: BuildSpec, opts: BuildOptions, image: string): Promise<BuildResult> {
  throwIfAborted(opts.signal, image);
  const listing = await collectContext(spec, { stackDir: opts.stackDir, maxBytes: opts.maxContextBytes });
  const hash = await hashListing(listing, spec);

  const existing = await inspectOrUndefined(docker, image);
  if (existing?.Config?.Labels?.[LABELS.contextHash] === hash) {
    // An unreadable Dockerfile: cannot check the base, so trust the context hash.
    const base = await finalBaseImage(spec.dockerfile, spec.buildArgs, spec.target).catch(() => undefined);
    if (base === undefined || (await builtOnCurrentBase(docker, existing, base))) {
      opts.onOutput?.(`${image} is up to date (context ${hash.slice(0, 12)})`);
      return { image, id: existing.Id, hash, cached: true };
    }
    opts.onOutput?.(`${image}: base image ${base} changed since the last build, rebuilding`);
  }
  throwIfAborted(opts.signal, image);
  if (listing.skipped.length > 0) {
    opts.onOutput?.(`not sent (not a file, folder or symlink): ${listing.skipped.join(', ')}`);
  }

  const buildOpts: Dockerode.ImageBuildOptions = {
    t: image,
    dockerfile: listing.dockerfile,
    labels: { [LABELS.contextHash]: hash, [LABELS.stack]: opts.stack },
    rm: true,
    forcerm: true,
  };
  if (Object.keys(spec.buildArgs).length > 0) buildOpts.buildargs = spec.buildArgs;
  if (spec.target) buildOpts.target = spec.target;
  if (opts.signal) buildOpts.abortSignal = opts.signal;

  // The classic builder appends a LABEL step per label: progress and errors count the Dockerfile's own steps.
  const added = Object.keys(buildOpts.labels ?? {}).length;
  const failure = (step: Step | undefined, message: string) =>
    buildError(
      docker,
      spec,
      opts.stackDir,
      image,
      step && { ...step, total: Math.max(step.index, step.total - added) },
      message,
    );
  let response: NodeJS.ReadableStream;
  try {
    response = await docker.buildImage(tarStream(listing.entries), buildOpts);
  } catch (e) {
    throwIfAborted(opts.signal, image);
    throw await failure(undefined, daemonMessage(e));
  }
  const onStep = (st: Step) => {
    if (st.index <= st.total - added) opts.onStep?.({ ...st, total: st.total - added });
  };
  const outcome = await readBuildStream(response, opts.onOutput, opts.signal, onStep);
  throwIfAborted(opts.signal, image);
  if (outcome.error !== undefined) throw await failure(outcome.step, outcome.error);

  const built = await inspectOrUndefined(docker, image);
  if (!built) throw await failure(outcome.step, `the daemon reported success but ${image} does not exist`);
  if (existing && existing.Id !== built.Id) await removeReplaced(docker, existing, opts.stack);
  return { image, id: built.Id, hash, cached: false };
}

export interface BuildStep {
  index: number;
  total: number;
  text: string;
}

type Step = BuildStep;

interface StreamOutcome {
  step?: Step;
  error?: string;
}

/** Reads the daemon's JSON-lines progress until the end, keeping the current step and the first error. */
function readBuildStream(
  stream: NodeJS.ReadableStream,
  onOutput?: (line: string) => void,
  signal?: AbortSignal,
  onStep?: (step: Step) => void,
): Promise<StreamOutcome> {
  return new Promise((resolve, reject) => {
    const outcome: StreamOutcome = {};
    let pending = '';
    let text = '';
    const emit = (chunk: string) => {
      text += chunk;
      let nl: number;
      while ((nl = text.indexOf('\n')) >= 0) {
        const line = text.slice(0, nl).replace(/\r$/, '');
        text = text.slice(nl + 1);
        const m = /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
        if (m) {
          outcome.step = { index: Number(m[1]), total: Number(m[2]), text: m[3] };
          onStep?.(outcome.step);
        }
        onOutput?.(line);
      }
    };
    const handle = (raw: string) => {
      if (raw.trim() === '') return;
      let msg: {
        stream?: string;
        status?: string;
        progress?: string;
        error?: string;
        errorDetail?: { message?: string };
      };
      try {
        msg = JSON.parse(raw);
      } catch {
        emit(`${raw}\n`);
        return;
      }
      if (typeof msg.stream === 'string') emit(msg.stream);
      if (typeof msg.status === 'string') emit(`${msg.status}${msg.progress ? ` ${msg.progress}` : ''}\n`);
      const error = msg.errorDetail?.message ?? msg.error;
      if (typeof error === 'string' && outcome.error === undefined) outcome.error = error.trim();
    };
    stream.on('data', (chunk: Buffer | string) => {
      pending += chunk.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        handle(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
    const onAbort = () => finish();
    const finish = (e?: Error) => {
      signal?.removeEventListener('abort', onAbort);
      if (e && !signal?.aborted) reject(e);
      else resolve(outcome);
    };
    stream.on('end', () => {
      handle(pending);
      if (text !== '') emit('\n');
      finish();
    });
    stream.on('error', (e: Error) => finish(e));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * "docker build of web:latest failed: /stack/web/Dockerfile, step 2/3 (line 4: RUN make): <daemon text>";
 * a base image the engine lacks gets one line that starts with the fix instead.
 */
async function buildError(
  docker: Dockerode,
  spec: BuildSpec,
  stackDir: string,
  image: string,
  step: Step | undefined,
  message: string,
): Promise<Error> {
  if (!step || /^FROM\b/i.test(step.text)) {
    const shown = path.relative(stackDir, spec.dockerfile) || spec.dockerfile;
    const missing = await missingBaseImage(docker, spec.image, { path: spec.dockerfile, shown }, spec.buildArgs);
    if (missing) return new Error(missing);
  }
  let where = spec.dockerfile;
  if (step) {
    const line = await stepLine(spec.dockerfile, step).catch(() => undefined); // the message works without a line
    where += `, step ${step.index}/${step.total} (${line !== undefined ? `line ${line}: ` : ''}${step.text})`;
  }
  return new Error(`docker build of ${image} failed: ${where}: ${message}`);
}

/**
 * The 1-based Dockerfile line of a step. The classic builder numbers every
 * instruction, global ARGs included, so step N is the N-th instruction; the
 * keyword is checked so a mismatch (ONBUILD triggers) yields no line at all.
 */
async function stepLine(dockerfile: string, step: Step): Promise<number | undefined> {
  const instructions = DockerfileParser.parse(await fs.readFile(dockerfile, 'utf8')).getInstructions();
  const instruction = instructions[step.index - 1];
  if (!instruction) return undefined;
  const keyword = step.text.split(/\s/, 1)[0].toUpperCase();
  return instruction.getKeyword().toUpperCase() === keyword ? instruction.getRange().start.line + 1 : undefined;
}

async function inspectOrUndefined(docker: Dockerode, image: string): Promise<Dockerode.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(image).inspect();
  } catch (e) {
    if (statusCodeOf(e) === 404) return undefined;
    throw e;
  }
}

/**
 * Removes the image this build replaced, if this stack built it and nothing
 * uses it any more; the daemon refuses (409) when a container still does, and
 * that is fine: it stays until then.
 */
async function removeReplaced(docker: Dockerode, old: Dockerode.ImageInspectInfo, stack: string): Promise<void> {
  if (old.Config?.Labels?.[LABELS.stack] !== stack) return;
  try {
    await docker.getImage(old.Id).remove();
  } catch {
    // in use or referenced elsewhere: leave it
  }
}

/** The daemon's own message (dockerode puts the response body in `json`), else the error's. */
function daemonMessage(e: unknown): string {
  const json: unknown = e !== null && typeof e === 'object' ? Reflect.get(e, 'json') : undefined;
  const fromDaemon = json !== null && typeof json === 'object' ? Reflect.get(json, 'message') : undefined;
  return (typeof fromDaemon === 'string' ? fromDaemon : errorMessage(e)).trim();
}

function throwIfAborted(signal: AbortSignal | undefined, image: string): void {
  throwIfCancelled(signal, `build of ${image} was cancelled`);
}
