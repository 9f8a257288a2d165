import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used so far; NaN when it cannot be read (not Linux, gone). */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime and stime fields 14 and 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return NaN;
  }
}

/** USER_HZ: the unit of /proc/<pid>/stat times, 100 on Linux on every common architecture. */
const CLOCK_TICKS_PER_S = 100;
