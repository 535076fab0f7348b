import { describe, expect, it } from 'vitest';
import { Rate } from './rate.js';

describe('Rate', () => {
  it('knows no speed and no time left before two samples some time apart', () => {
    const rate = new Rate();
    expect(rate.bytesPerSecond()).toBeNull();
    rate.add(100, 1000);
    expect(rate.bytesPerSecond()).toBeNull();
    rate.add(200, 1000);
    expect(rate.bytesPerSecond()).toBeNull();
    expect(rate.remainingMs(1000)).toBeNull();
    rate.add(300, 2000);
    expect(rate.bytesPerSecond()).toBe(200);
  });

  it('measures bytes per second between the oldest and newest sample in the window', () => {
    const rate = new Rate(5000);
    rate.add(0, 0);
    rate.add(1000, 1000);
    rate.add(3000, 2000);
    expect(rate.bytesPerSecond()).toBe(1500);
  });

  it('forgets samples older than the window, keeping one to span it', () => {
    const rate = new Rate(2000);
    rate.add(0, 0);
    rate.add(10_000, 1000);
    rate.add(11_000, 3000);
    rate.add(12_000, 4000);
    // The window ends at 4000: samples from 2000 on count, and the one at 1000 spans its start.
    expect(rate.bytesPerSecond()).toBe(((12_000 - 10_000) * 1000) / 3000);
  });

  it('estimates the time left at the current speed', () => {
    const rate = new Rate();
    rate.add(0, 0);
    rate.add(2000, 1000);
    expect(rate.remainingMs(10_000)).toBe(4000);
    expect(rate.remainingMs(null)).toBeNull();
  });

  it('counts only answers with new figures, so that polling faster than the worker records does not slow it', () => {
    const rate = new Rate();
    rate.add(0, 0);
    rate.add(0, 400);
    expect(rate.bytesPerSecond()).toBeNull();
    rate.add(1000, 1000);
    rate.add(1000, 1500);
    rate.add(1000, 1900);
    expect(rate.bytesPerSecond()).toBe(1000);
    expect(rate.remainingMs(3000)).toBe(2000);
  });

  it('starts over when the bytes go down (a retried job starts from zero)', () => {
    const rate = new Rate();
    rate.add(0, 0);
    rate.add(5000, 1000);
    rate.add(100, 2000);
    expect(rate.bytesPerSecond()).toBeNull();
    rate.add(300, 3000);
    expect(rate.bytesPerSecond()).toBe(200);
  });
});
