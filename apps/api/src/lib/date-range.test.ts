import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors/api-error.js';
import { parseDateRange } from './date-range.js';

function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseDateRange', () => {
  it('has no bounds without criteria', () => {
    expect(parseDateRange({})).toEqual({});
  });

  it('covers whole UTC days on both sides for YYYY-MM-DD', () => {
    expect(parseDateRange({ from: '2026-11-01', to: '2026-11-02' })).toEqual({
      from: new Date('2026-11-01T00:00:00.000Z'),
      before: new Date('2026-11-03T00:00:00.000Z'),
    });
  });

  it('accepts the same day as from and to', () => {
    expect(parseDateRange({ from: '2026-11-01', to: '2026-11-01' })).toEqual({
      from: new Date('2026-11-01T00:00:00.000Z'),
      before: new Date('2026-11-02T00:00:00.000Z'),
    });
  });

  it('includes an instant given as the upper bound', () => {
    expect(parseDateRange({ to: '2026-11-01T10:00:00Z' })).toEqual({
      before: new Date('2026-11-01T10:00:00.001Z'),
    });
  });

  it('reads instants with offsets and fractions', () => {
    expect(parseDateRange({ from: '2026-11-01T10:00:00.250+02:00' })).toEqual({
      from: new Date('2026-11-01T08:00:00.250Z'),
    });
    expect(parseDateRange({ from: '2026-11-01T10:00Z' })).toEqual({
      from: new Date('2026-11-01T10:00:00.000Z'),
    });
  });

  it('reads every year from 0000 to 9999 as itself', () => {
    expect(parseDateRange({ from: '0050-03-01', to: '9999-12-31' })).toEqual({
      from: new Date('0050-03-01T00:00:00.000Z'),
      before: new Date('+010000-01-01T00:00:00.000Z'),
    });
    expect(parseDateRange({ from: '0000-01-01T00:00:00Z' }).from?.getUTCFullYear()).toBe(0);
  });

  it('takes start and end as names for from and to', () => {
    expect(parseDateRange({ start: '2026-11-01', end: '2026-11-01' })).toEqual(
      parseDateRange({ from: '2026-11-01', to: '2026-11-01' }),
    );
  });

  it('takes startdate and enddate as names for from and to', () => {
    expect(parseDateRange({ startdate: '2026-11-01', enddate: '2026-11-02T12:00:00Z' })).toEqual({
      from: new Date('2026-11-01T00:00:00.000Z'),
      before: new Date('2026-11-02T12:00:00.001Z'),
    });
  });

  it('refuses a bound given twice with different values', () => {
    const error = refusal(() => parseDateRange({ from: '2026-11-01', start: '2026-11-02' }));
    expect(error.code).toBe('INVALID_DATE_RANGE');
    expect(error.message).toContain('start');
    const third = refusal(() =>
      parseDateRange({ to: '2026-11-01', end: '2026-11-01', enddate: '2026-11-03' }),
    );
    expect(third.message).toBe('to and enddate name the same bound: give only one of them');
  });

  it.each([
    ['from', 'yesterday'],
    ['from', '2026-13-01'],
    ['from', '2026-02-30'],
    ['to', '2026-11-01T25:00:00Z'],
    ['to', '2026-11-01T10:00:00'],
    ['end', '1700000000'],
    ['start', ''],
  ])('refuses %s=%j naming the parameter', (name, value) => {
    const error = refusal(() => parseDateRange({ [name]: value }));
    expect(error.code).toBe('INVALID_DATE_RANGE');
    expect(error.message).toContain(`${name}=`);
  });

  it('refuses from after to, naming both', () => {
    const error = refusal(() => parseDateRange({ from: '2026-11-02', to: '2026-11-01T23:59:59Z' }));
    expect(error.code).toBe('INVALID_DATE_RANGE');
    expect(error.message).toMatch(/from .* is after to/);
  });
});
