import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISO_DATE, startTestApp, type TestApp } from '../../testing/test-app.js';

let t: TestApp;

// Rows of the original design's table, at chosen dates (the column has whole seconds).
const ROWS = [
  ['2020-01-01 00:00:00', 'first/day/start'],
  ['2020-01-01 23:59:59', 'first/day/end'],
  ['2020-01-02 12:00:00', 'second/day'],
  ['2020-01-03 00:00:00', 'third/day'],
] as const;

beforeAll(async () => {
  t = await startTestApp();
  for (const [date, parameter] of ROWS) {
    await t.db.query("INSERT INTO log (date, action, parameter, status) VALUES (?, 'Backup', ?, 'SUCCESS')", [
      date,
      parameter,
    ]);
  }
});

afterAll(async () => {
  await t?.close();
});

async function logs(query: string, url = '/logs') {
  return t.app.inject({ method: 'GET', url: `${url}${query}` });
}

// The API writes these rows in batches: write what it holds before reading them.
async function getLogRows(status: string): Promise<{ parameter: string; message: string | null }[]> {
  await t.app.audit.flush();
  const [rows] = await t.db.query(
    "SELECT parameter, message FROM log WHERE action = 'Get Log' AND status = ? ORDER BY id",
    [status],
  );
  return rows as { parameter: string; message: string | null }[];
}

function parameters(body: { items: { parameter: string }[] }): string[] {
  return body.items.map((item) => item.parameter);
}

describe('GET /logs', () => {
  it('answers every row without criteria, oldest first, and records a Get Log row after the query', async () => {
    const before = (await getLogRows('SUCCESS')).length;
    // Other tests of this file may have run first: their own Get Log rows come after the seeded ones.
    const earlier = [...(await getLogRows('SUCCESS')), ...(await getLogRows('FAILED'))].length;
    const response = await logs('');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(parameters(body).slice(0, ROWS.length)).toEqual(ROWS.map(([, parameter]) => parameter));
    expect(body.items.slice(ROWS.length).map((item: { action: string }) => item.action)).toEqual(
      Array(earlier).fill('Get Log'),
    );
    expect(body.nextCursor).toBeNull();
    expect(body.items[0]).toEqual({
      id: expect.any(Number),
      date: '2020-01-01T00:00:00.000Z',
      action: 'Backup',
      parameter: 'first/day/start',
      status: 'SUCCESS',
      jobId: null,
      message: null,
    });
    const after = await getLogRows('SUCCESS');
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)?.parameter).toBe('all');

    const next = await logs('?action=Get%20Log');
    expect(next.json().items.length).toBeGreaterThan(0);
    for (const item of next.json().items) expect(item.date).toMatch(ISO_DATE);
  });

  it('includes the whole of both days of a date range', async () => {
    const response = await logs('?from=2020-01-01&to=2020-01-02');
    expect(response.statusCode).toBe(200);
    expect(parameters(response.json())).toEqual(['first/day/start', 'first/day/end', 'second/day']);
    expect((await getLogRows('SUCCESS')).at(-1)?.parameter).toBe('from=2020-01-01&to=2020-01-02');
  });

  it('takes one day as from and to', async () => {
    const response = await logs('?from=2020-01-01&to=2020-01-01');
    expect(parameters(response.json())).toEqual(['first/day/start', 'first/day/end']);
  });

  it('takes instants, both ends inclusive', async () => {
    const response = await logs('?from=2020-01-01T23:59:59Z&to=2020-01-03T00:00:00Z');
    expect(parameters(response.json())).toEqual(['first/day/end', 'second/day', 'third/day']);
  });

  it('accepts start and end, and the /log alias', async () => {
    const response = await logs('?start=2020-01-02&end=2020-01-03', '/log');
    expect(response.statusCode).toBe(200);
    expect(parameters(response.json())).toEqual(['second/day', 'third/day']);
  });

  it("accepts the original design doc's startdate and enddate as from and to", async () => {
    const response = await logs('?startdate=2020-01-02&enddate=2020-01-02');
    expect(response.statusCode).toBe(200);
    expect(parameters(response.json())).toEqual(['second/day']);
  });

  it('refuses a misspelt parameter with 400 UNKNOWN_PARAMETER instead of answering every row, recording a FAILED row', async () => {
    const response = await logs('?form=2030-01-01');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'UNKNOWN_PARAMETER',
      message:
        'Unknown query parameter "form": GET /logs takes from, to, start, end, startdate, enddate, action, status, limit, cursor',
    });
    expect((await getLogRows('FAILED')).at(-1)).toEqual({
      parameter: 'form=2030-01-01',
      message: response.json().message,
    });
  });

  it('filters by action and status', async () => {
    const response = await logs('?action=Backup&status=SUCCESS');
    expect(parameters(response.json())).toEqual(ROWS.map(([, parameter]) => parameter));
    const failed = await logs('?action=Backup&status=FAILED');
    expect(failed.json().items).toEqual([]);
  });

  it('pages with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?action=Backup&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const body = (await logs(query)).json();
      expect(body.items.length).toBeLessThanOrEqual(3);
      seen.push(...parameters(body));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ROWS.map(([, parameter]) => parameter));
  });

  it('takes a bound beyond the years the log can hold as no bound, never as an empty answer', async () => {
    const everything = ROWS.map(([, parameter]) => parameter);
    for (const query of [
      '?action=Backup&to=9999-12-31',
      '?action=Backup&end=9999-12-31T23:59:59.999Z',
      '?action=Backup&from=0001-01-01',
      '?action=Backup&from=1900-01-01&to=9999-12-31',
    ]) {
      const response = await logs(query);
      expect(response.statusCode, query).toBe(200);
      expect(parameters(response.json()), query).toEqual(everything);
    }
  });

  it('answers no rows for a range wholly outside the years the log can hold', async () => {
    for (const query of ['?from=2040-01-01', '?to=1960-12-31', '?from=9999-12-31']) {
      const response = await logs(query);
      expect(response.statusCode, query).toBe(200);
      expect(response.json(), query).toEqual({ items: [], nextCursor: null });
    }
  });

  it('refuses from after to with 400 and records a FAILED Get Log row', async () => {
    const response = await logs('?from=2020-01-03&to=2020-01-01');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      code: 'INVALID_DATE_RANGE',
    });
    expect(response.json().message).toContain('from');
    const failed = await getLogRows('FAILED');
    expect(failed.at(-1)).toMatchObject({ parameter: 'from=2020-01-03&to=2020-01-01' });
    expect(failed.at(-1)?.message).toContain('after');
  });

  it.each([
    ['from=2020-13-01', 'from='],
    ['to=yesterday', 'to='],
    ['start=2020-02-30', 'start='],
    ['end=2020-01-01T10:00:00', 'end='],
  ])('refuses %s naming the parameter', async (query, named) => {
    const response = await logs(`?${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('INVALID_DATE_RANGE');
    expect(response.json().message).toContain(named);
  });

  it('refuses a query that is not percent-encoded UTF-8 with 400 INVALID_URL, recording a FAILED row', async () => {
    const response = await logs('?action=Get%20Log%ED%A0%80');
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('INVALID_URL');
    expect((await getLogRows('FAILED')).at(-1)).toEqual({
      parameter: 'action=Get%20Log%ED%A0%80',
      message:
        'The query string is not valid percent-encoded UTF-8: percent-encode each byte of the UTF-8 text',
    });
  });

  it('refuses a bad limit, status or cursor with 400, recording a FAILED Get Log row', async () => {
    expect((await logs('?limit=0')).json().code).toBe('INVALID_QUERY');
    expect((await getLogRows('FAILED')).at(-1)?.parameter).toBe('limit=0');
    expect((await logs('?status=MAYBE')).json().code).toBe('INVALID_QUERY');
    expect((await logs('?cursor=nope')).json().code).toBe('INVALID_CURSOR');
  });
});
