import type { Command } from 'commander';
import type { Schedule } from '../../api/types.js';
import { contextOf } from '../../context.js';
import type { Io } from '../../output/io.js';
import { examples } from '../options.js';
import { showSchedule } from './show-schedule.js';

export function registerSchedulePause(group: Command, io: Io): void {
  registerPausing(group, io, {
    name: 'pause',
    paused: true,
    description: 'pause a schedule: it starts no backups until it is resumed',
  });
}

export function registerScheduleResume(group: Command, io: Io): void {
  registerPausing(group, io, {
    name: 'resume',
    paused: false,
    description: 'resume a paused schedule: it fires again at its next time',
  });
}

// Both are `PATCH /schedules/{id}` with {"paused": …}; doing it twice is harmless.
function registerPausing(
  group: Command,
  io: Io,
  spec: { name: string; paused: boolean; description: string },
): void {
  group
    .command(spec.name)
    .description(spec.description)
    .argument('<id>', 'the schedule id')
    .addHelpText(
      'after',
      examples(
        `strongbox schedules ${spec.name} 0b7f3c1e-5d2a-4f8e-9c61-3a4b5c6d7e8f`,
        `strongbox schedules ${spec.name} 0b7f3c1e-5d2a-4f8e-9c61-3a4b5c6d7e8f --json | jq .nextRunAt`,
      ),
    )
    .action(async (id: string, _flags: object, self: Command) => {
      const ctx = contextOf(self, io);
      const answer = await ctx.client.request<Schedule>('PATCH', `/schedules/${encodeURIComponent(id)}`, {
        body: { paused: spec.paused },
      });
      showSchedule(ctx, answer.body);
    });
}
