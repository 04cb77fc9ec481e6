// CronJob schedules as Kubernetes reads them (robfig/cron's standard parser):
// five fields (minute hour day-of-month month day-of-week) with lists, ranges,
// steps and month/day names; the macros @yearly (@annually), @monthly, @weekly,
// @daily (@midnight), @hourly and `@every <duration>`. When both day fields are
// restricted a day matches either (Vixie cron's rule). Times are UTC, as a
// cluster's controller-manager runs them unless spec.timeZone says otherwise.

export interface CronSchedule {
  text: string;
  /** The first firing time strictly after `afterMs` (epoch ms), or undefined if none within 5 years. */
  next(afterMs: number): number | undefined;
}

export type CronParse = { schedule: CronSchedule } | { error: string };

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface FieldDef {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: FieldDef[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const MINUTE = 60_000;
const HORIZON_MS = 5 * 366 * 24 * 60 * MINUTE;

export function parseCron(text: string): CronParse {
  const spec = text.trim();
  if (!spec) return { error: 'schedule is empty: use five fields like "*/5 * * * *" or a macro like @hourly' };
  if (spec.startsWith('@every')) return parseEvery(spec);
  if (spec.startsWith('@')) {
    const expanded = MACROS[spec.toLowerCase()];
    if (!expanded) {
      return { error: `unknown schedule macro "${spec}": use ${Object.keys(MACROS).join(', ')} or @every <duration>` };
    }
    return fromFields(spec, expanded.split(' '));
  }
  if (/^(CRON_)?TZ=/.test(spec)) {
    return { error: `time zones in the schedule ("${spec.split(/\s/)[0]}") are not supported: use spec.timeZone` };
  }
  const parts = spec.split(/\s+/);
  if (parts.length !== 5) {
    return {
      error: `schedule "${spec}" has ${parts.length} field(s); a CronJob schedule has 5: minute hour day-of-month month day-of-week (e.g. "*/5 * * * *")`,
    };
  }
  return fromFields(spec, parts);
}

function fromFields(text: string, parts: string[]): CronParse {
  const sets: boolean[][] = [];
  for (let i = 0; i < 5; i++) {
    const r = parseField(parts[i], FIELDS[i]);
    if (typeof r === 'string') return { error: `schedule "${text}": ${r}` };
    sets.push(r);
  }
  const [minutes, hours, dom, months, dowRaw] = sets;
  const dow = dowRaw.slice(0, 7);
  if (dowRaw[7]) dow[0] = true; // 7 is Sunday too
  // A day field written as * or ? does not restrict: then both must match (one always does).
  const domStar = /^[*?]/.test(parts[2]);
  const dowStar = /^[*?]/.test(parts[4]);
  const dayMatches = (d: Date): boolean => {
    const a = dom[d.getUTCDate()];
    const b = dow[d.getUTCDay()];
    return domStar || dowStar ? a && b : a || b;
  };
  return {
    schedule: {
      text,
      next(afterMs: number): number | undefined {
        let t = Math.floor(afterMs / MINUTE) * MINUTE + MINUTE;
        const limit = afterMs + HORIZON_MS;
        while (t <= limit) {
          const d = new Date(t);
          const y = d.getUTCFullYear();
          const mo = d.getUTCMonth();
          const day = d.getUTCDate();
          const h = d.getUTCHours();
          if (!months[mo + 1]) t = Date.UTC(y, mo + 1, 1);
          else if (!dayMatches(d)) t = Date.UTC(y, mo, day + 1);
          else if (!hours[h]) t = Date.UTC(y, mo, day, h + 1);
          else if (!minutes[d.getUTCMinutes()]) t += MINUTE;
          else return t;
        }
        return undefined;
      },
    },
  };
}

/** One field → the set of values it allows (indexed by value), or a message. */
function parseField(field: string, def: FieldDef): boolean[] | string {
  const set: boolean[] = new Array<boolean>(def.max + 1).fill(false);
  for (const item of field.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(item);
    if (!m) return `${def.name} "${item}" is not a value, range or step (e.g. 5, 1-5, */15)`;
    const [, range, stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) return `${def.name} step must be at least 1 in "${item}"`;
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      if (range === '?' && def.name !== 'day of month' && def.name !== 'day of week') {
        return `? is allowed in the day fields only, not in ${def.name}`;
      }
      lo = def.min;
      hi = def.name === 'day of week' ? 6 : def.max;
    } else {
      const bounds = range.split('-');
      if (bounds.length > 2) return `${def.name} "${item}" is not a range (a-b)`;
      const a = value(bounds[0], def);
      if (typeof a === 'string') return a;
      lo = a;
      if (bounds.length === 2) {
        const b = value(bounds[1], def);
        if (typeof b === 'string') return b;
        hi = b;
      } else hi = stepText === undefined ? a : def.max;
      if (lo > hi) return `${def.name} range "${range}" runs backwards`;
    }
    for (let v = lo; v <= hi; v += step) set[v] = true;
  }
  return set;
}

function value(text: string, def: FieldDef): number | string {
  const named = def.names?.indexOf(text.toLowerCase()) ?? -1;
  const n = named >= 0 ? named + (def.name === 'month' ? 1 : 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(n)) return `${def.name} "${text}" is not a number${def.names ? ' or a name' : ''}`;
  if (n < def.min || n > def.max) return `${def.name} ${n} is outside ${def.min}-${def.max}`;
  return n;
}

/** `@every 1h30m`: a fixed interval, as Go's time.ParseDuration reads it (at least a second). */
function parseEvery(spec: string): CronParse {
  const d = spec.slice('@every'.length).trim();
  const m = /^(?:\d+(?:\.\d+)?(?:h|m|s|ms))+$/.test(d) ? d.match(/\d+(?:\.\d+)?(?:ms|h|m|s)/g) : null;
  if (!m) return { error: `schedule "${spec}": @every needs a duration like 90s, 5m or 1h30m` };
  const unit: Record<string, number> = { h: 3_600_000, m: MINUTE, s: 1000, ms: 1 };
  const ms = m.reduce((sum, part) => {
    const [, n, u] = /^(\d+(?:\.\d+)?)(ms|h|m|s)$/.exec(part) ?? ['', '0', 's'];
    return sum + Number(n) * unit[u];
  }, 0);
  if (ms < 1000) return { error: `schedule "${spec}": @every needs at least 1s` };
  const every = Math.floor(ms / 1000) * 1000;
  return { schedule: { text: spec, next: (afterMs) => Math.floor(afterMs / 1000) * 1000 + every } };
}
