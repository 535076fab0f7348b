import type { FolderPolicy } from '../api/types.js';
import { formatBytes } from './units.js';

const RULES = [
  ['keepLast', 'last'],
  ['keepHourly', 'hourly'],
  ['keepDaily', 'daily'],
  ['keepWeekly', 'weekly'],
  ['keepMonthly', 'monthly'],
  ['keepYearly', 'yearly'],
] as const;

/**
 * A folder's policy as `[label, value]` lines; `null` (no policy stored) reads as the absence of
 * every rule, the deployment's retention applying.
 */
export function describePolicy(policy: FolderPolicy | null): [string, string][] {
  if (!policy) return [['policy', 'none (retention: the deployment default)']];
  const retention = policy.retention;
  return [
    [
      'exclude',
      policy.exclude.length === 0 ? 'nothing' : policy.exclude.map((line) => JSON.stringify(line)).join(' '),
    ],
    [
      'exclude if',
      policy.excludeIfPresent.length === 0
        ? 'no marker'
        : `a directory holds ${policy.excludeIfPresent.join(' or ')}`,
    ],
    [
      'max file size',
      policy.maxFileSize === null
        ? 'no limit'
        : `${formatBytes(policy.maxFileSize)} (${policy.maxFileSize} bytes)`,
    ],
    [
      'retention',
      retention === null
        ? 'the deployment default'
        : RULES.filter(([key]) => retention[key] !== undefined)
            .map(([key, name]) => `${name} ${retention[key]}`)
            .join(', ') || 'keep everything',
    ],
  ];
}

/** `[label, value]` lines as text, the values in one column. */
export function labelled(lines: [string, string][]): string {
  return lines.map(([label, value]) => `${label.padEnd(14)}${value}`).join('\n');
}
