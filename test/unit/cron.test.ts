// CronJob schedules: the five fields with lists, ranges, steps and names, the
// macros, Vixie cron's either-day rule, @every, and a clear message for every
// schedule that does not parse. Times are UTC.
import assert from 'node:assert/strict';
import { parseCron, type CronSchedule } from '../../extension/engine/model/cron';

function schedule(text: string): CronSchedule {
  const r = parseCron(text);
  if ('error' in r) assert.fail(r.error);
  return r.schedule;
}

/** The next `n` firing times after `from`, as ISO strings. */
function nexts(text: string, from: string, n = 3): string[] {
  const s = schedule(text);
  const out: string[] = [];
  let t = Date.parse(from);
  for (let i = 0; i < n; i++) {
    const next = s.next(t);
    assert.ok(next !== undefined, `${text} fires again after ${new Date(t).toISOString()}`);
    out.push(new Date(next).toISOString().replace(':00.000Z', 'Z'));
    t = next;
  }
  return out;
}

describe('cron schedules', () => {
  it('every minute fires on each whole minute strictly after the time given', () => {
    assert.deepEqual(nexts('* * * * *', '2026-03-01T10:00:00Z'), [
      '2026-03-01T10:01Z',
      '2026-03-01T10:02Z',
      '2026-03-01T10:03Z',
    ]);
    assert.deepEqual(nexts('* * * * *', '2026-03-01T10:00:30Z', 1), ['2026-03-01T10:01Z']);
  });

  it('steps, ranges and lists', () => {
    assert.deepEqual(nexts('*/15 * * * *', '2026-03-01T10:07:00Z'), [
      '2026-03-01T10:15Z',
      '2026-03-01T10:30Z',
      '2026-03-01T10:45Z',
    ]);
    assert.deepEqual(nexts('5,35 9-10 * * *', '2026-03-01T10:40:00Z'), [
      '2026-03-02T09:05Z',
      '2026-03-02T09:35Z',
      '2026-03-02T10:05Z',
    ]);
    assert.deepEqual(nexts('0 8-18/4 * * *', '2026-03-01T00:00:00Z'), [
      '2026-03-01T08:00Z',
      '2026-03-01T12:00Z',
      '2026-03-01T16:00Z',
    ]);
    assert.deepEqual(nexts('30 2/12 * * *', '2026-03-01T00:00:00Z', 2), ['2026-03-01T02:30Z', '2026-03-01T14:30Z']);
  });

  it('month and day names, and 7 as Sunday', () => {
    assert.deepEqual(nexts('0 12 * FEB,mar MON', '2026-01-20T00:00:00Z', 2), [
      '2026-02-02T12:00Z',
      '2026-02-09T12:00Z',
    ]);
    assert.deepEqual(nexts('0 0 * * 7', '2026-03-02T00:00:00Z', 1), nexts('0 0 * * 0', '2026-03-02T00:00:00Z', 1));
    assert.deepEqual(nexts('0 0 * * sun', '2026-03-02T00:00:00Z', 1), ['2026-03-08T00:00Z']);
  });

  it('a day matches either day field when both are restricted, both when one is *', () => {
    // The 13th, or any Friday.
    assert.deepEqual(nexts('0 0 13 * 5', '2026-03-01T00:00:00Z', 3), [
      '2026-03-06T00:00Z',
      '2026-03-13T00:00Z',
      '2026-03-20T00:00Z',
    ]);
    assert.deepEqual(nexts('0 0 13 * *', '2026-03-01T00:00:00Z', 1), ['2026-03-13T00:00Z']);
    assert.deepEqual(nexts('0 0 ? * 5', '2026-03-01T00:00:00Z', 1), ['2026-03-06T00:00Z']);
  });

  it('macros', () => {
    assert.deepEqual(nexts('@hourly', '2026-03-01T10:20:00Z', 1), ['2026-03-01T11:00Z']);
    assert.deepEqual(nexts('@daily', '2026-03-01T10:20:00Z', 1), ['2026-03-02T00:00Z']);
    assert.deepEqual(nexts('@midnight', '2026-03-01T10:20:00Z', 1), ['2026-03-02T00:00Z']);
    assert.deepEqual(nexts('@weekly', '2026-03-04T10:20:00Z', 1), ['2026-03-08T00:00Z']);
    assert.deepEqual(nexts('@monthly', '2026-03-04T10:20:00Z', 1), ['2026-04-01T00:00Z']);
    assert.deepEqual(nexts('@yearly', '2026-03-04T10:20:00Z', 1), ['2027-01-01T00:00Z']);
    assert.deepEqual(nexts('@annually', '2026-03-04T10:20:00Z', 1), ['2027-01-01T00:00Z']);
  });

  it('@every fires at a fixed interval', () => {
    const s = schedule('@every 1m30s');
    assert.equal(s.next(Date.parse('2026-03-01T10:00:00Z')), Date.parse('2026-03-01T10:01:30Z'));
  });

  it('finds rare dates (29 February) and says when a date never comes', () => {
    assert.deepEqual(nexts('0 0 29 2 *', '2026-03-01T00:00:00Z', 1), ['2028-02-29T00:00Z']);
    assert.equal(schedule('0 0 31 2 *').next(Date.parse('2026-03-01T00:00:00Z')), undefined);
  });

  it('refuses what does not parse, saying which field and why', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['* * * *', /has 4 field\(s\); a CronJob schedule has 5/],
      ['* * * * * *', /has 6 field\(s\)/],
      ['60 * * * *', /minute 60 is outside 0-59/],
      ['* 24 * * *', /hour 24 is outside 0-23/],
      ['* * 0 * *', /day of month 0 is outside 1-31/],
      ['* * * 13 *', /month 13 is outside 1-12/],
      ['* * * * 8', /day of week 8 is outside 0-7/],
      ['* * * foo *', /month "foo" is not a number or a name/],
      ['*/0 * * * *', /step must be at least 1/],
      ['5-1 * * * *', /runs backwards/],
      ['? * * * *', /\? is allowed in the day fields only/],
      ['@fortnightly', /unknown schedule macro "@fortnightly"/],
      ['@every soon', /@every needs a duration/],
      ['@every 500ms', /at least 1s/],
      ['TZ=Europe/Paris 0 * * * *', /time zones in the schedule/],
      ['1,,2 * * * *', /minute "" is not a value/],
    ];
    for (const [text, want] of cases) {
      const r = parseCron(text);
      assert.ok('error' in r, `"${text}" must be refused`);
      assert.match(r.error, want, text);
    }
  });
});
