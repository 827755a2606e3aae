export { startFtp, type FtpDeps, type FtpService } from "./ftp-server.ts";
export { FtpEnv, ftpEnv, ftpOptions, ftpVars } from "./env.ts";
