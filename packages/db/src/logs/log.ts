export type LogAction = 'Backup' | 'Get Log' | 'Get Stats' | 'Verify' | 'Restore';
export type LogStatus = 'SUCCESS' | 'FAILED';

/** One row of the audit log, as the API answers it. */
export interface LogEntry {
  id: number;
  date: string;
  action: string;
  parameter: string | null;
  status: string;
  jobId: string | null;
  message: string | null;
}
