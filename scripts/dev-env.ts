import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const DEV_VARS = ".dev.vars";

/** The local secrets in .dev.vars, created with random values on first use. */
export function devSecrets(): { JWT_SECRET: string; ENCRYPTION_KEY: string } {
  if (!existsSync(DEV_VARS)) {
    writeFileSync(
      DEV_VARS,
      [
        "# Local secrets for `npm start` (made by scripts/dev-env.ts; not committed).",
        `JWT_SECRET=${randomBytes(32).toString("base64url")}`,
        `ENCRYPTION_KEY=${randomBytes(32).toString("base64")}`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
  }
  const vars = Object.fromEntries(
    readFileSync(DEV_VARS, "utf8")
      .split("\n")
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  if (!vars.JWT_SECRET || !vars.ENCRYPTION_KEY) {
    throw new Error(`${DEV_VARS} must define JWT_SECRET and ENCRYPTION_KEY (delete it to regenerate)`);
  }
  return { JWT_SECRET: vars.JWT_SECRET, ENCRYPTION_KEY: vars.ENCRYPTION_KEY };
}
