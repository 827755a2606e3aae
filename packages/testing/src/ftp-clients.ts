/**
 * Real FTP clients for tests, as child processes: Python's ftplib (scripts
 * get `connect()` and `refused()`) and curl.
 */
const PRELUDE = `
import ftplib, io, json, os, ssl, sys
def connect(user=None, secret=None, tls=False):
    f = ftplib.FTP_TLS(context=ssl._create_unverified_context()) if tls else ftplib.FTP()
    f.connect("127.0.0.1", int(os.environ["FTP_PORT"]), timeout=60)
    if tls:
        f.auth()
    f.login(user or os.environ["FTP_USER"], secret or os.environ["FTP_SECRET"])
    if tls:
        f.prot_p()
    return f
def refused(fn, *args):
    try:
        fn(*args)
    except ftplib.all_errors as e:
        return str(e)
    return None
`;

/** Runs a Python ftplib script (with `connect()` and `refused()` defined); returns its last line printed, parsed as JSON (null for none). */
export async function python(port: number, user: string, secret: string, script: string): Promise<any> {
  const proc = Bun.spawn(["python3", "-c", PRELUDE + script], { env: { ...process.env, FTP_PORT: String(port), FTP_USER: user, FTP_SECRET: secret }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`python exited ${code}:\n${err}\n${out}`);
  const last = out.trim().split("\n").at(-1)!;
  return last === "" ? null : JSON.parse(last);
}

/** Runs curl with `args`; resolves to its exit code and output. */
export async function curl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn(["curl", "-sS", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out, err };
}

/**
 * A client that starts `STOR <name>`, sends the first `bytes` of `source`
 * and dies by SIGKILL mid-transfer, as a killed process would (the kernel
 * closes both its connections).
 */
export async function storThenDie(port: number, user: string, secret: string, source: string, name: string, bytes: number): Promise<void> {
  const script = `
import signal
f = connect()
conn = f.transfercmd("STOR " + ${JSON.stringify(name)})
with open(${JSON.stringify(source)}, "rb") as src:
    left = ${bytes}
    while left > 0:
        chunk = src.read(min(left, 1 << 20))
        conn.sendall(chunk)
        left -= len(chunk)
os.kill(os.getpid(), signal.SIGKILL)`;
  const died = await python(port, user, secret, script).then(
    () => null,
    (err: Error) => err,
  );
  if (!died?.message.startsWith("python exited 137")) throw new Error(`the client should have died by SIGKILL: ${died?.message ?? "it finished"}`);
}

/** Finishes an upload the way ftplib users do: `SIZE` says how far it got, `REST <size>` + `STOR` sends the rest. Resolves to [offset, size after]. */
export function storResumed(port: number, user: string, secret: string, source: string, name: string): Promise<[number, number]> {
  return python(
    port,
    user,
    secret,
    `
f = connect()
offset = f.size(${JSON.stringify(name)})
with open(${JSON.stringify(source)}, "rb") as src:
    src.seek(offset)
    f.storbinary("STOR " + ${JSON.stringify(name)}, src, rest=offset)
print(json.dumps([offset, f.size(${JSON.stringify(name)})]))`,
  );
}
