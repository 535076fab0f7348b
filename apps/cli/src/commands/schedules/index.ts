import type { Command } from 'commander';
import type { Io } from '../../output/io.js';
import { examples } from '../options.js';
import { registerScheduleAdd } from './add.js';
import { registerScheduleList } from './list.js';
import { registerSchedulePause, registerScheduleResume } from './pause.js';
import { registerScheduleRemove } from './remove.js';

/** `strongbox schedules …`: the recurring backups of `/schedules`, one subcommand per action. */
export function registerSchedules(program: Command, io: Io): void {
  const group = program
    .command('schedules')
    .description('recurring backups on a cron expression: list, add, remove, pause and resume them')
    .addHelpText(
      'after',
      `
A schedule backs up its folder each time its cron expression fires, as \`strongbox backup\`
does; the backups it starts carry its id as their scheduleId and show up in \`strongbox list\`.
A paused schedule starts nothing until it is resumed.
${examples(
  "strongbox schedules add photos/2024 --cron '0 3 * * *' --tz Europe/Paris",
  'strongbox schedules list',
  'strongbox schedules pause 0b7f3c1e-5d2a-4f8e-9c61-3a4b5c6d7e8f',
)}`,
    );
  for (const register of [
    registerScheduleList,
    registerScheduleAdd,
    registerScheduleRemove,
    registerSchedulePause,
    registerScheduleResume,
  ]) {
    register(group, io);
  }
}
