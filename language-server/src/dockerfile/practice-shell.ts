// Best-practice rules about the shell commands inside RUN (shell form and heredoc bodies alike,
// so `RUN <<EOF` scripts get the same checks without false syntax errors).
import type { Argument, Instruction } from 'dockerfile-ast';
import type { LineIndex } from '../core/lines';
import type { Finding, Range } from '../core/types';
import { commands, flagsOf, heredocsOf, isJsonForm, shellScript, wordRange, type ParsedDockerfile } from './model';

const POINTLESS = new Set([
  'ssh',
  'vim',
  'vi',
  'nano',
  'shutdown',
  'service',
  'ps',
  'free',
  'top',
  'kill',
  'mount',
  'ifconfig',
]);
const YES = new Set(['-y', '--yes', '-qq', '--assume-yes', '-q=2', '-qy', '-yq']);

export function checkRunCommands(df: ParsedDockerfile, lines: LineIndex, out: Finding[]): void {
  const pipNoCache = /PIP_NO_CACHE_DIR/.test(lines.text);
  const lastStage = df.stages[df.stages.length - 1];
  let seenCurl: Instruction | undefined;
  let seenWget: Instruction | undefined;
  let fetcherFlagged = false;
  for (const stage of df.stages) {
    let pipefail = false;
    for (const ins of stage.instructions) {
      if (ins.getKeyword() === 'SHELL') pipefail = /pipefail/.test(ins.getRawArgumentsContent() ?? '');
      if (ins.getKeyword() !== 'RUN') continue;
      const script = shellScript(ins, lines);
      const cmds = commands(script);
      const args = ins.getArguments();
      const installs = subcommandArgs(args, ['apt-get'], 'install');
      let aptInstall = 0;
      let aptLists = /\/var\/lib\/apt\/lists/.test(script);
      for (const w of cmds) {
        const [cmd, ...rest] = w;
        if (POINTLESS.has(cmd)) {
          out.push({
            code: 'FD3001',
            message: `"${cmd}" makes little sense inside a container build (hadolint DL3001).`,
            range: wordRange(ins, cmd),
          });
        }
        if (cmd === 'cd') {
          out.push({
            code: 'FD3003',
            message: 'Use WORKDIR to change directory instead of cd (hadolint DL3003).',
            range: wordRange(ins, 'cd'),
          });
        }
        if (cmd === 'sudo') {
          out.push({
            code: 'FD3004',
            message: 'Do not use sudo: the build already runs as the USER you set (hadolint DL3004).',
            range: wordRange(ins, 'sudo'),
          });
        }
        if (cmd === 'curl') seenCurl ??= ins;
        if (cmd === 'wget') seenWget ??= ins;
        if (seenCurl && seenWget && !fetcherFlagged) {
          fetcherFlagged = true;
          out.push({
            code: 'FD4001',
            message: 'Both wget and curl are used; pick one to keep the image small (hadolint DL4001).',
            range: wordRange(ins, cmd === 'curl' || cmd === 'wget' ? cmd : 'curl'),
          });
        }
        if (cmd === 'apt' && ['install', 'update', 'upgrade', 'remove'].includes(rest[0])) {
          const r = wordRange(ins, 'apt');
          out.push({
            code: 'FD3027',
            message: 'apt is meant for terminals; use apt-get in scripts (hadolint DL3027).',
            range: r,
            fix: { title: 'Use apt-get', edits: [{ range: r, newText: 'apt-get' }] },
          });
        }
        if (cmd === 'apt-get' && rest.includes('install')) {
          const at = installs[aptInstall++];
          aptInstallRules(ins, rest, at, out);
        }
        if (
          (cmd === 'pip' ||
            cmd === 'pip3' ||
            (cmd.startsWith('python') && rest[0] === '-m' && rest[1]?.startsWith('pip'))) &&
          rest.includes('install')
        ) {
          pipRules(ins, rest, pipNoCache, out);
        }
        if (cmd === 'apk' && rest[0] === 'add' && !rest.includes('--no-cache')) {
          const at = subcommandArgs(args, ['apk'], 'add')[0];
          out.push({
            code: 'FD3019',
            message: 'Use apk add --no-cache so the package index is not kept in the layer (hadolint DL3019).',
            range: at?.getRange() ?? ins.getInstructionRange(),
            ...(at
              ? { fix: { title: 'Add --no-cache', edits: [{ range: at.getRange(), newText: 'add --no-cache' }] } }
              : {}),
          });
        }
      }
      if (aptInstall && stage === lastStage && !aptLists && !hasCacheMount(ins)) {
        out.push({
          code: 'FD3009',
          message:
            'Delete /var/lib/apt/lists/* in the same RUN after apt-get install to keep the image small (hadolint DL3009).',
          range: wordRange(ins, 'apt-get'),
        });
      }
      aptLists = false;
      if (
        !pipefail &&
        !heredocsOf(ins).length &&
        !isJsonForm(ins) &&
        /[^|]\|[^|]/.test(unquoted(script)) &&
        !/set\s+(-\w*\s+)*-o\s+pipefail|set\s+-\w*o\s+pipefail/.test(script)
      ) {
        out.push({
          code: 'FD4006',
          message:
            'A pipe hides failures of the commands before the last; set SHELL ["/bin/bash", "-o", "pipefail", "-c"] first (hadolint DL4006).',
          range: ins.getInstructionRange(),
        });
      }
    }
  }
}

/** The script without its quoted strings: a `|` inside quotes is no pipe. */
function unquoted(script: string): string {
  return script.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '""');
}

function hasCacheMount(ins: Instruction): boolean {
  return flagsOf(ins).some((f) => f.getName() === 'mount' && /type=cache/.test(f.getValue() ?? ''));
}

/** Arguments equal to `sub` that follow one of `cmds` within three words: where fixes insert flags. */
function subcommandArgs(args: Argument[], cmds: string[], sub: string): Argument[] {
  const out: Argument[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i].getValue() !== sub) continue;
    for (let j = Math.max(0, i - 3); j < i; j++) {
      if (cmds.includes(args[j].getValue())) {
        out.push(args[i]);
        break;
      }
    }
  }
  return out;
}

function packages(rest: string[], sub: string, valueFlags: string[] = []): string[] {
  const after = rest.slice(rest.indexOf(sub) + 1);
  const pk: string[] = [];
  for (let i = 0; i < after.length; i++) {
    const a = after[i];
    if (a.startsWith('-')) {
      if (valueFlags.includes(a)) i++;
      continue;
    }
    if (/^[<>]|^\d?>|^&/.test(a)) break; // a redirection ends the package list
    pk.push(a);
  }
  return pk;
}

function insertAfter(
  at: Argument | undefined,
  text: string,
  title: string,
): { fix?: { title: string; edits: { range: Range; newText: string }[] } } {
  return at
    ? { fix: { title, edits: [{ range: { start: at.getRange().end, end: at.getRange().end }, newText: ' ' + text }] } }
    : {};
}

function aptInstallRules(ins: Instruction, rest: string[], at: Argument | undefined, out: Finding[]): void {
  const range = at?.getRange() ?? wordRange(ins, 'apt-get');
  if (!rest.some((r) => YES.has(r) || /^-\w*y\w*$/.test(r))) {
    out.push({
      code: 'FD3014',
      message: 'apt-get install without -y waits for an answer that never comes (hadolint DL3014).',
      range,
      ...insertAfter(at, '-y', 'Add -y'),
    });
  }
  if (!rest.includes('--no-install-recommends')) {
    out.push({
      code: 'FD3015',
      message: 'Add --no-install-recommends to avoid installing packages you did not ask for (hadolint DL3015).',
      range,
      ...insertAfter(at, '--no-install-recommends', 'Add --no-install-recommends'),
    });
  }
  const unpinned = packages(rest, 'install', ['-o', '-t', '--target-release']).filter(
    (p) => !p.includes('=') && !p.includes('$') && !p.endsWith('.deb'),
  );
  if (unpinned.length) {
    const first = ins.getArguments().find((a) => a.getValue() === unpinned[0]);
    out.push({
      code: 'FD3008',
      message: `Pin versions in apt-get install (${unpinned.slice(0, 4).join(', ')}${unpinned.length > 4 ? ', …' : ''}): e.g. ${unpinned[0]}=<version> (hadolint DL3008).`,
      range: first?.getRange() ?? range,
    });
  }
}

function pipRules(ins: Instruction, rest: string[], envNoCache: boolean, out: Finding[]): void {
  const at = ins
    .getArguments()
    .find((a, i, all) => a.getValue() === 'install' && /pip/.test(all[i - 1]?.getValue() ?? ''));
  const range = at?.getRange() ?? ins.getInstructionRange();
  if (!envNoCache && !rest.includes('--no-cache-dir')) {
    out.push({
      code: 'FD3042',
      message: 'Use pip install --no-cache-dir so the download cache stays out of the image (hadolint DL3042).',
      range,
      ...insertAfter(at, '--no-cache-dir', 'Add --no-cache-dir'),
    });
  }
  if (
    rest.some(
      (r) => r === '-r' || r === '--requirement' || r.startsWith('--requirement=') || r === '-e' || r === '--editable',
    )
  ) {
    return;
  }
  const unpinned = packages(rest, 'install', [
    '-i',
    '--index-url',
    '--extra-index-url',
    '-c',
    '--constraint',
    '-t',
    '--target',
  ]).filter(
    (p) =>
      !/[=<>~@]/.test(p) &&
      !/^[./]/.test(p) &&
      !p.includes('$') &&
      !/\.(whl|tar\.gz|zip)$/.test(p) &&
      !/^(pip|setuptools|wheel)$/.test(p),
  );
  if (unpinned.length) {
    const first = ins.getArguments().find((a) => a.getValue() === unpinned[0]);
    out.push({
      code: 'FD3013',
      message: `Pin versions in pip install (${unpinned.slice(0, 4).join(', ')}): e.g. ${unpinned[0]}==<version> (hadolint DL3013).`,
      range: first?.getRange() ?? range,
    });
  }
}
