// Dockerfile syntax checks (FD1xxx): what `docker build` would reject, found while typing.
import type { Instruction } from 'dockerfile-ast';
import type { Finding } from '../core/types';
import { flagsOf, heredocsOf, isJsonForm, type ParsedDockerfile } from './model';

export const INSTRUCTIONS = [
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
];

export const FLAGS: Record<string, string[]> = {
  FROM: ['platform'],
  RUN: ['mount', 'network', 'security'],
  COPY: ['from', 'chown', 'chmod', 'link', 'parents', 'exclude'],
  ADD: ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir', 'exclude'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};

/** [min, max] argument counts (flags excluded). */
const ARITY: Record<string, [number, number]> = {
  ADD: [2, Infinity],
  COPY: [2, Infinity],
  ARG: [1, Infinity],
  CMD: [1, Infinity],
  ENTRYPOINT: [1, Infinity],
  ENV: [1, Infinity],
  EXPOSE: [1, Infinity],
  LABEL: [1, Infinity],
  MAINTAINER: [1, Infinity],
  ONBUILD: [1, Infinity],
  RUN: [1, Infinity],
  SHELL: [1, Infinity],
  STOPSIGNAL: [1, 1],
  USER: [1, 1],
  VOLUME: [1, Infinity],
  WORKDIR: [1, Infinity],
  HEALTHCHECK: [1, Infinity],
};

const JSON_CAPABLE = new Set(['CMD', 'ENTRYPOINT', 'RUN', 'SHELL', 'VOLUME', 'COPY', 'ADD']);
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

export function checkSyntax(df: ParsedDockerfile): Finding[] {
  const out: Finding[] = [];
  const stageNames = new Map<string, number>();
  if (df.instructions.length && df.stages.length === 0) {
    out.push({
      code: 'FD1010',
      message: 'A Dockerfile needs a FROM instruction.',
      range: df.instructions[0].getInstructionRange(),
    });
  }
  for (const ins of df.preamble) {
    if (ins.getKeyword() !== 'ARG') {
      out.push({
        code: 'FD1010',
        message: `${ins.getKeyword()} before the first FROM: only ARG may come first.`,
        range: ins.getInstructionRange(),
      });
    }
  }

  for (const stage of df.stages) {
    checkFrom(stage.from, out);
    if (stage.name) {
      const key = stage.name.toLowerCase();
      if (stageNames.has(key)) {
        out.push({
          code: 'FD1009',
          message: `Stage name "${stage.name}" is already used (hadolint DL3024).`,
          range: stage.from.getArguments()[2].getRange(),
        });
      } else stageNames.set(key, stage.index);
    }
    for (const ins of stage.instructions) {
      checkInstruction(ins, out);
      if (ins.getKeyword() === 'COPY') checkCopyFrom(ins, stage.index, stageNames, df, out);
    }
  }
  for (const ins of df.preamble) checkInstruction(ins, out);
  return out;
}

function checkFrom(ins: Instruction, out: Finding[]): void {
  checkFlags(ins, out);
  const args = ins.getArguments();
  if (args.length === 0) {
    out.push({ code: 'FD1002', message: 'FROM needs an image.', range: ins.getInstructionRange() });
  } else if (args.length === 2 || args.length > 3 || (args.length === 3 && args[1].getValue().toUpperCase() !== 'AS')) {
    out.push({
      code: 'FD1011',
      message: 'FROM takes an image and optionally "AS name".',
      range: ins.getArgumentsRange() ?? ins.getRange(),
    });
  } else if (args.length === 3 && !/^[a-zA-Z][a-zA-Z0-9_.-]*$/.test(args[2].getValue())) {
    out.push({ code: 'FD1011', message: `Invalid stage name "${args[2].getValue()}".`, range: args[2].getRange() });
  }
}

function checkInstruction(ins: Instruction, out: Finding[]): void {
  const kw = ins.getKeyword();
  if (!INSTRUCTIONS.includes(kw)) {
    out.push({
      code: 'FD1001',
      message: `Unknown instruction ${ins.getInstruction()}.`,
      range: ins.getInstructionRange(),
    });
    return;
  }
  checkFlags(ins, out);
  const args = ins.getArguments();
  const [min, max] = ARITY[kw] ?? [0, Infinity];
  const json = JSON_CAPABLE.has(kw) && isJsonForm(ins);
  if (!json && !heredocsOf(ins).length && (args.length < min || args.length > max)) {
    const want = max === min ? `exactly ${min}` : `at least ${min}`;
    out.push({
      code: 'FD1002',
      message: `${kw} takes ${want} argument${min === 1 ? '' : 's'}, found ${args.length}.`,
      range: ins.getArgumentsRange() ?? ins.getInstructionRange(),
    });
  }
  if (json) checkJson(ins, out);
  else if (kw === 'SHELL') {
    out.push({
      code: 'FD1003',
      message: 'SHELL must be written in JSON form, e.g. ["/bin/sh", "-c"].',
      range: ins.getArgumentsRange() ?? ins.getRange(),
    });
  }
  if (kw === 'ENV' && args.length === 1 && !args[0].getValue().includes('=')) {
    out.push({ code: 'FD1002', message: `ENV ${args[0].getValue()} has no value.`, range: args[0].getRange() });
  }
  if (kw === 'LABEL') {
    // Quotes group words ("Apache License 2.0"); `LABEL key value` is Docker's legacy form.
    const words = shellWords(ins.getRawArgumentsContent() ?? '');
    const bad = words[0]?.hasEquals ? words.filter((w) => !w.hasEquals) : words.length === 1 ? words : [];
    for (const w of bad) {
      out.push({
        code: 'FD1002',
        message: `LABEL expects key=value, found "${w.text}".`,
        range: ins.getArgumentsRange() ?? ins.getInstructionRange(),
      });
    }
  }
  if (kw === 'EXPOSE') checkExpose(ins, out);
  if (kw === 'HEALTHCHECK') checkHealthcheck(ins, out);
  for (const h of heredocsOf(ins)) {
    if (!h.getDelimiterRange()) {
      out.push({
        code: 'FD1012',
        message: `Heredoc <<${h.getName()} is never closed by a line "${h.getName()}".`,
        range: h.getNameRange(),
      });
    }
  }
}

function checkFlags(ins: Instruction, out: Finding[]): void {
  const allowed = FLAGS[ins.getKeyword()] ?? [];
  for (const f of flagsOf(ins)) {
    const name = f.getName();
    if (!allowed.includes(name)) {
      const hint = allowed.length ? ` Allowed: ${allowed.map((a) => '--' + a).join(', ')}.` : '';
      out.push({
        code: 'FD1004',
        message: `Unknown flag --${name} for ${ins.getKeyword()}.${hint}`,
        range: f.getRange(),
      });
      continue;
    }
    const v = f.getValue();
    const boolFlag = name === 'link' || name === 'parents' || name === 'keep-git-dir';
    if (!boolFlag && (v === null || v === '')) {
      out.push({ code: 'FD1005', message: `--${name} needs a value.`, range: f.getRange() });
    } else if (
      v &&
      ['interval', 'timeout', 'start-period', 'start-interval'].includes(name) &&
      !v.includes('$') &&
      !DURATION.test(v)
    ) {
      out.push({
        code: 'FD1005',
        message: `--${name}=${v} is not a duration such as 30s or 1m30s.`,
        range: f.getValueRange() ?? f.getRange(),
      });
    } else if (v && name === 'retries' && !/^\d+$/.test(v)) {
      out.push({
        code: 'FD1005',
        message: `--retries=${v} is not a whole number.`,
        range: f.getValueRange() ?? f.getRange(),
      });
    } else if (
      v &&
      name === 'chmod' &&
      !/^[0-7]{3,4}$/.test(v) &&
      !/^[ugoa]*[+=-][rwxXst]*(,[ugoa]*[+=-][rwxXst]*)*$/.test(v) &&
      !v.includes('$')
    ) {
      out.push({
        code: 'FD1005',
        message: `--chmod=${v} is not an octal or symbolic mode.`,
        range: f.getValueRange() ?? f.getRange(),
      });
    }
  }
}

function checkJson(ins: Instruction, out: Finding[]): void {
  const raw = (ins.getRawArgumentsContent() ?? '').replace(/\\\r?\n/g, ' ').trim();
  let ok = false;
  try {
    const v: unknown = JSON.parse(raw);
    ok = Array.isArray(v) && v.every((x) => typeof x === 'string');
  } catch {
    ok = false;
  }
  if (!ok) {
    const why = raw.includes("'") ? ' JSON needs double quotes, not single quotes.' : '';
    const range = ins.getArgumentsRange() ?? ins.getRange();
    const requoted = raw.includes("'") && !raw.includes('"') ? raw.replace(/'/g, '"') : undefined;
    let fix;
    try {
      if (requoted && Array.isArray(JSON.parse(requoted))) {
        fix = { title: 'Use double quotes', edits: [{ range, newText: requoted }] };
      }
    } catch {
      fix = undefined;
    }
    out.push({
      code: 'FD1003',
      message: `${ins.getKeyword()} arguments start with "[" but are not a JSON array of strings; Docker would run them as a shell command.${why}`,
      range,
      ...(fix ? { fix } : {}),
    });
  }
}

function checkExpose(ins: Instruction, out: Finding[]): void {
  for (const a of ins.getArguments()) {
    const v = a.getValue();
    if (v.includes('$')) continue;
    const m = /^(\d+)(?:-(\d+))?(?:\/(\w+))?$/.exec(v);
    const bad = (why: string) =>
      out.push({ code: 'FD1006', message: `EXPOSE ${v}: ${why} (hadolint DL3011).`, range: a.getRange() });
    if (!m) bad('expected port[/tcp|udp|sctp]');
    else if (Number(m[1]) > 65535 || (m[2] && Number(m[2]) > 65535)) bad('ports must be within 0–65535');
    else if (m[2] && Number(m[2]) < Number(m[1])) bad('the range ends before it starts');
    else if (m[3] && !['tcp', 'udp', 'sctp'].includes(m[3].toLowerCase())) bad(`unknown protocol "${m[3]}"`);
  }
}

function checkHealthcheck(ins: Instruction, out: Finding[]): void {
  const args = ins.getArguments();
  if (!args.length) return;
  const sub = args[0].getValue().toUpperCase();
  if (sub === 'NONE') {
    if (args.length > 1 || flagsOf(ins).length) {
      out.push({
        code: 'FD1007',
        message: 'HEALTHCHECK NONE takes no flags and no command.',
        range: ins.getArgumentsRange() ?? ins.getRange(),
      });
    }
  } else if (sub !== 'CMD') {
    out.push({
      code: 'FD1007',
      message: `HEALTHCHECK expects CMD or NONE, found "${args[0].getValue()}".`,
      range: args[0].getRange(),
    });
  } else if (args.length === 1) {
    out.push({ code: 'FD1007', message: 'HEALTHCHECK CMD needs a command.', range: args[0].getRange() });
  }
}

function checkCopyFrom(
  ins: Instruction,
  stageIndex: number,
  names: Map<string, number>,
  df: ParsedDockerfile,
  out: Finding[],
): void {
  const flag = flagsOf(ins).find((f) => f.getName() === 'from');
  const v = flag?.getValue();
  if (!flag || !v || /[:/@$]/.test(v)) return; // an image reference or a variable, not a stage
  const range = flag.getValueRange() ?? flag.getRange();
  if (/^\d+$/.test(v)) {
    if (Number(v) >= stageIndex) {
      out.push({
        code: 'FD1008',
        message: `COPY --from=${v}: stage ${v} is not an earlier stage (hadolint DL3022).`,
        range,
      });
    }
    return;
  }
  const idx = names.get(v.toLowerCase());
  if (idx === undefined) {
    const later = df.stages.some((s) => s.name?.toLowerCase() === v.toLowerCase());
    const why = later
      ? 'is defined later; COPY --from must name an earlier stage'
      : 'is not a stage of this Dockerfile';
    out.push({ code: 'FD1008', message: `COPY --from=${v}: "${v}" ${why} (hadolint DL3022).`, range });
  } else if (idx === stageIndex) {
    out.push({
      code: 'FD1008',
      message: `COPY --from=${v}: a stage cannot copy from itself (hadolint DL3022).`,
      range,
    });
  }
}

interface Word {
  text: string;
  /** Whether an unquoted, unescaped '=' occurs in it (a key=value pair). */
  hasEquals: boolean;
}

/** Words of an instruction's arguments as Docker splits them: quotes and backslashes group, continuations are spaces. */
export function shellWords(raw: string): Word[] {
  const out: Word[] = [];
  let text = '';
  let eq = false;
  let quote: string | undefined;
  let started = false;
  const flush = () => {
    if (started) out.push({ text, hasEquals: eq });
    text = '';
    eq = false;
    started = false;
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\' && i + 1 < raw.length) {
      const next = raw[i + 1];
      i++;
      if (next === '\n' || (next === '\r' && raw[i + 1] === '\n')) {
        if (next === '\r') i++;
        if (!quote) flush();
        continue;
      }
      text += next;
      started = true;
      continue;
    }
    if (quote) {
      if (c === quote) quote = undefined;
      else text += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (/\s/.test(c)) flush();
    else {
      if (c === '=') eq = true;
      text += c;
      started = true;
    }
  }
  flush();
  return out;
}
