export { startFtp, type FtpDeps, type FtpService } from "./ftp-server.ts";
export { ftpEnv, ftpOptions, ftpVars, FtpEnvVars, type FtpEnvConfig } from "./env.ts";
