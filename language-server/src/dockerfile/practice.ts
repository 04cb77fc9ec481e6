// Dockerfile best-practice rules (FD3xxx/FD4xxx), each mirroring a hadolint rule (named in the
// message and in docs/rules.md). Mechanical fixes are attached to the finding.
import type { Instruction } from 'dockerfile-ast';
import type { LineIndex } from '../core/lines';
import type { Finding, Range } from '../core/types';
import { FLAGS } from './syntax';
import { flagsOf, isJsonForm, type ParsedDockerfile, type Stage } from './model';
import { checkRunCommands } from './practice-shell';

const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$/i;

export function checkPractice(df: ParsedDockerfile, lines: LineIndex): Finding[] {
  const out: Finding[] = [];
  const stageNames = new Set(df.stages.map((s) => s.name?.toLowerCase()).filter((n): n is string => !!n));
  for (const stage of df.stages) {
    checkFromImage(stage.from, stageNames, out);
    perStage(stage, df, out);
  }
  checkRunCommands(df, lines, out);
  const last = df.stages[df.stages.length - 1];
  if (last) {
    const users = last.instructions.filter((i) => i.getKeyword() === 'USER');
    const u = users[users.length - 1];
    if (u && /^(root|0)(:.*)?$/.test(u.getArguments()[0]?.getValue() ?? '')) {
      out.push({
        code: 'FD3002',
        message: 'The last USER is root: the container runs with full privileges (hadolint DL3002).',
        range: u.getArgumentsRange() ?? u.getRange(),
      });
    }
    if (!df.stages.some((s) => s.instructions.some((i) => i.getKeyword() === 'HEALTHCHECK'))) {
      out.push({
        code: 'FD3057',
        message: 'No HEALTHCHECK: Docker cannot tell when this container is unhealthy (hadolint DL3057).',
        range: last.from.getInstructionRange(),
      });
    }
  }
  return out;
}

function checkFromImage(from: Instruction, stages: Set<string>, out: Finding[]): void {
  const img = from.getArguments()[0];
  if (!img) return;
  const v = img.getValue();
  if (v.includes('$') || v === 'scratch' || stages.has(v.toLowerCase())) return;
  const platform = flagsOf(from).find((f) => f.getName() === 'platform');
  if (platform && !(platform.getValue() ?? '').includes('$')) {
    out.push({
      code: 'FD3029',
      message: 'Do not pin --platform in FROM; let the build choose it (hadolint DL3029).',
      range: platform.getRange(),
    });
  }
  if (v.includes('@')) return; // pinned by digest
  const lastSeg = v.slice(v.lastIndexOf('/') + 1);
  if (!lastSeg.includes(':')) {
    out.push({
      code: 'FD3006',
      message: `Tag the image version: "${v}" floats with every push.`,
      range: img.getRange(),
    });
  } else if (lastSeg.endsWith(':latest')) {
    out.push({
      code: 'FD3007',
      message: `"${v}" uses :latest, which floats with every push: pin a version or its digest.`,
      range: img.getRange(),
    });
  }
}

function perStage(stage: Stage, df: ParsedDockerfile, out: Finding[]): void {
  const count: Record<string, Instruction[]> = {};
  let prev: Instruction | undefined;
  let hasWorkdir = inheritsWorkdir(stage, df);
  for (const ins of stage.instructions) {
    const kw = ins.getKeyword();
    (count[kw] ??= []).push(ins);
    const args = ins.getArguments();
    if (kw === 'WORKDIR') {
      hasWorkdir = true;
      const p = args[0];
      if (p && !/^([/$"']|[A-Za-z]:[\\/])/.test(p.getValue())) {
        out.push({
          code: 'FD3000',
          message: `WORKDIR ${p.getValue()} is relative; use an absolute path (hadolint DL3000).`,
          range: p.getRange(),
          fix: {
            title: `Make WORKDIR absolute: /${p.getValue()}`,
            edits: [{ range: p.getRange(), newText: '/' + p.getValue() }],
          },
        });
      }
    }
    if (kw === 'ADD' && args.length >= 2) {
      const srcs = args.slice(0, -1).map((a) => a.getValue());
      const addOnly = flagsOf(ins).some((f) => !FLAGS.COPY.includes(f.getName()));
      if (
        srcs.every((s) => !/^(https?|git):\/\//.test(s) && !ARCHIVE.test(s) && !s.startsWith('<<')) &&
        !isJsonForm(ins)
      ) {
        out.push({
          code: 'FD3020',
          message: 'Use COPY for files and folders; ADD also fetches URLs and unpacks archives (hadolint DL3020).',
          range: ins.getInstructionRange(),
          ...(addOnly
            ? {}
            : {
                fix: { title: 'Replace ADD with COPY', edits: [{ range: ins.getInstructionRange(), newText: 'COPY' }] },
              }),
        });
      }
    }
    if ((kw === 'COPY' || kw === 'ADD') && args.length >= 2 && !isJsonForm(ins)) {
      const dest = args[args.length - 1];
      const dv = dest.getValue();
      if (args.length > 2 && !dv.endsWith('/') && !dv.startsWith('$') && !args[0].getValue().startsWith('<<')) {
        out.push({
          code: 'FD3021',
          message: `${kw} with several sources needs a destination folder ending in "/" (hadolint DL3021).`,
          range: dest.getRange(),
          fix: { title: `Use ${dv}/`, edits: [{ range: dest.getRange(), newText: dv + '/' }] },
        });
      }
      if (kw === 'COPY' && !hasWorkdir && !/^([/$"'~]|[A-Za-z]:[\\/])/.test(dv) && dv !== '.' && dv !== './') {
        out.push({
          code: 'FD3045',
          message: `COPY to the relative path "${dv}" before any WORKDIR: the destination depends on the base image (hadolint DL3045).`,
          range: dest.getRange(),
        });
      }
    }
    if ((kw === 'CMD' || kw === 'ENTRYPOINT') && args.length && !isJsonForm(ins)) checkShellForm(ins, out);
    if (kw === 'MAINTAINER') {
      const who = (ins.getRawArgumentsContent() ?? '').replace(/"/g, '\\"');
      out.push({
        code: 'FD4000',
        message: 'MAINTAINER is deprecated; use LABEL maintainer="…" (hadolint DL4000).',
        range: ins.getInstructionRange(),
        fix: {
          title: 'Replace with LABEL maintainer',
          edits: [{ range: ins.getRange(), newText: `LABEL maintainer="${who}"` }],
        },
      });
    }
    if (kw === 'RUN' && prev?.getKeyword() === 'RUN' && !flagsOf(ins).length && !flagsOf(prev).length) {
      out.push({
        code: 'FD3059',
        message: 'Consecutive RUN instructions: merging them saves a layer (hadolint DL3059).',
        range: ins.getInstructionRange(),
      });
    }
    prev = ins;
  }
  const dup = (kw: string, code: string, dl: string, what: string) => {
    const list = count[kw] ?? [];
    for (const ins of list.slice(0, -1)) {
      out.push({
        code,
        message: `${what}: only the last ${kw} of a stage takes effect (hadolint ${dl}).`,
        range: ins.getInstructionRange(),
      });
    }
  };
  dup('CMD', 'FD4003', 'DL4003', 'Multiple CMD instructions');
  dup('ENTRYPOINT', 'FD4004', 'DL4004', 'Multiple ENTRYPOINT instructions');
  dup('HEALTHCHECK', 'FD3012', 'DL3012', 'Multiple HEALTHCHECK instructions');
}

/** A stage built FROM an earlier stage inherits its WORKDIR. */
function inheritsWorkdir(stage: Stage, df: ParsedDockerfile): boolean {
  const base = stage.from.getArguments()[0]?.getValue().toLowerCase();
  const parent = df.stages.find((s) => s.index < stage.index && s.name?.toLowerCase() === base);
  return !!parent && (parent.instructions.some((i) => i.getKeyword() === 'WORKDIR') || inheritsWorkdir(parent, df));
}

function checkShellForm(ins: Instruction, out: Finding[]): void {
  const raw = (ins.getRawArgumentsContent() ?? '').replace(/\\\r?\n\s*/g, ' ').trim();
  const simple = /^[^$|&;<>*?()`'"\\]+$/.test(raw);
  const range: Range = ins.getArgumentsRange() ?? ins.getRange();
  const json = JSON.stringify(raw.split(/\s+/)).replace(/","/g, '", "');
  out.push({
    code: 'FD3025',
    message: `Use the JSON form for ${ins.getKeyword()} so the process receives signals directly (hadolint DL3025).`,
    range,
    ...(simple ? { fix: { title: `Convert to ${json}`, edits: [{ range, newText: json }] } } : {}),
  });
}
