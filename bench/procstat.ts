/**
 * Reading Linux's /proc/<pid>/stat (and /proc/<pid>/task/<tid>/stat) for the benchmarks: the
 * command name, and the fields after it, which proc(5) numbers from 3 (state). The command
 * name sits in parentheses and may itself hold spaces and parentheses, so the fields start
 * after the last ')'. CPU times are in clock ticks of USER_HZ, which is 100 on Linux.
 */
import { readFileSync } from 'node:fs';

export interface Stat {
  comm: string;
  /** fields[0] is proc(5)'s field 3 (state): field N is fields[N - 3] */
  fields: string[];
}

export function readStat(file: string): Stat {
  const stat = readFileSync(file, 'utf8');
  return {
    comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    fields: stat.slice(stat.lastIndexOf(')') + 2).split(' '),
  };
}

const TICK_MS = 10;

/** utime + stime (fields 14 and 15), in ms: every thread's, for a process */
export const cpuMsOf = (s: Stat): number => (Number(s.fields[11]) + Number(s.fields[12])) * TICK_MS;

/** cutime + cstime (fields 16 and 17), in ms: the children it has waited for */
export const childrenCpuMsOf = (s: Stat): number => (Number(s.fields[13]) + Number(s.fields[14])) * TICK_MS;

/** the CPU the task last ran on (field 39) */
export const lastCpuOf = (s: Stat): string => s.fields[36]!;

/** A process's CPU time so far (user + system, all its threads), in ms. */
export const processCpuMs = (pid: number | 'self'): number => cpuMsOf(readStat(`/proc/${pid}/stat`));
