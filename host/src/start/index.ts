/** What `main.ts` needs around a start: the banner, the pid file, start failures as one line. */
export { startBanner, type BannerInfo } from './banner.ts';
export { livePid, PID_FILE, type PidFile, writePidFile } from './pid-file.ts';
export { describeStartFailure, type StartContext, type StartFailure } from './start-errors.ts';
