// `puck open NAME [PORT]`: opens a Sprite's URL in the browser. A private port is signed in with a
// single-use code made with the user's own rights (a SpriteToken), which the gateway trades for a
// cookie on that one host; the browser's first page load wakes the Sprite.
import { spawn } from "node:child_process";
import { CODE_TTL_SECONDS } from "../../operator/api/index.js";
import type { Io } from "../io.js";
import { createOutput } from "../output.js";
import { createToken, sweepExpired } from "../sprite-tokens.js";
import { getSprite } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";
import { choosePort, urlOf } from "../url-spec.js";

export type OpenFlags = { browser: boolean };

/** The URL with the code: the gateway removes it (and redirects to the URL without it) once traded. */
export const withCode = (url: string, code: string) => `${url}${url.includes("?") ? "&" : "?"}puck_code=${encodeURIComponent(code)}`;

/** How this platform opens a URL in the user's browser; $BROWSER wins, as xdg-open and git do. */
export function browserCommand(platform: NodeJS.Platform, env: Io["env"], url: string): [string, string[]] {
  if (env.BROWSER) return [env.BROWSER, [url]];
  if (platform === "darwin") return ["open", [url]];
  if (platform === "win32") return ["cmd", ["/c", "start", '""', url.replace(/&/g, "^&")]];
  return ["xdg-open", [url]];
}

export async function open([name, portArg]: string[], options: TargetOptions & OpenFlags, io: Io): Promise<number> {
  const target = await openTarget(options, io);
  const out = createOutput(io);
  const sprite = await getSprite(target, name!);
  const port = choosePort(sprite, portArg);
  const url = urlOf(sprite, port);
  const isPublic = sprite.spec.http?.find((p) => p.port === port)?.public === true;
  let address = url;
  if (!isPublic) {
    await sweepExpired(target, name!, io.now());
    const code = await createToken(target, sprite, { purpose: "code", port, ttlSeconds: CODE_TTL_SECONDS, description: "puck open" }, io.now());
    address = withCode(url, code.credential);
  }
  if (!options.browser) {
    // --no-browser: the address alone on stdout, to paste (within the code's minute) or to script.
    out.line(address);
    return 0;
  }
  const [command, args] = browserCommand(process.platform, io.env, address);
  const opened = await new Promise<boolean>((resolve) => {
    const child = spawn(command, args, { stdio: "ignore", detached: true });
    child.once("error", () => resolve(false));
    child.once("spawn", () => {
      child.unref();
      resolve(true);
    });
  });
  if (opened) out.note(`Opening ${url} in your browser${isPublic ? "" : " (signed in for 12 hours)"}`);
  else {
    out.warn(`Could not start a browser (${command}): open this address${isPublic ? "" : ` within ${CODE_TTL_SECONDS} s (it signs you in once)`}:`);
    out.line(address);
  }
  return 0;
}
