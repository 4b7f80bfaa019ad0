// `npm run loadtest -- --url <base> --token <JWT> [--scenario hot|stampede|mixed|ramp] …`: the
// bench's load generator and request mix aimed at any instance (a deployment, `npm start`), with
// what the cache did from GET /api/cache/stats before and after. See docs/benchmarks.md.
import { writeFileSync } from "node:fs";
import { type Options, parseOptions, USAGE } from "./loadtest/options.ts";
import { textReport } from "./loadtest/report.ts";
import { loadtest } from "./loadtest/run.ts";
import { Tally } from "./loadtest/tally.ts";
import { verifyTls } from "./loadtest/verify-tls.ts";

// A token anywhere in a message (an argument typed in the wrong place, an echoed header): never print it.
const secrets: string[] = [];
const redact = (text: string) =>
  secrets.reduce((t, s) => t.replaceAll(s, "<token>"), text).replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, "<token>");
function fail(message: string, code: number): never {
  process.stderr.write(`${redact(message)}\n`);
  process.exit(code);
}

let opts: Options;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (err) {
  fail(`loadtest: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`, 2);
}
secrets.push(...opts.users.map((u) => u.token));
verifyTls();

// Reading stats and each user's list before and after takes time too, but never this long.
const WATCHDOG_S = opts.seconds + 120;
const watchdog = setTimeout(() => fail(`loadtest: still running after ${WATCHDOG_S} s; stopping`, 1), WATCHDOG_S * 1000);
process.once("SIGINT", () => fail("loadtest: interrupted", 130));

const tally = new Tally(opts.users.length);
let phase = "starting";
const t0 = performance.now();
let lastAnswers = 0;
let lastPrinted = 0;
const tty = process.stderr.isTTY;
// A live line on a terminal; in a log, one line every 5 s.
const progress = setInterval(() => {
  const elapsed = (performance.now() - t0) / 1000;
  const rate = tally.answers - lastAnswers;
  lastAnswers = tally.answers;
  if (!tty && elapsed - lastPrinted < 5) return;
  lastPrinted = elapsed;
  const ok = Object.entries(tally.statuses).reduce((sum, [code, n]) => sum + (code.startsWith("2") ? n : 0), 0);
  const hits = tally.answers ? `, ${((tally.cache.hit / tally.answers) * 100).toFixed(0)}% hits` : "";
  const line = `[loadtest ${elapsed.toFixed(0)}s] ${phase}: ${tally.answers} answered (${ok} 2xx), ${tally.errors} errors, ${rate} req/s${hits}`;
  process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
}, 1000);

try {
  const report = await loadtest(opts, tally, (text) => (phase = text));
  if (tty) process.stderr.write("\r\x1b[K");
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (opts.json === "-") process.stdout.write(json);
  else console.log(textReport(report));
  if (opts.json && opts.json !== "-") {
    writeFileSync(opts.json, json);
    console.log(`\nJSON report: ${opts.json}`);
  }
} catch (err) {
  if (tty) process.stderr.write("\n");
  fail(`loadtest failed: ${err instanceof Error ? err.message : String(err)}`, 1);
} finally {
  clearInterval(progress);
  clearTimeout(watchdog);
}
