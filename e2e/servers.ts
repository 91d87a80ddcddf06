// What both Playwright configs share: Debian's Chromium (never a downloaded
// browser, see ../shared/BRIEF.md) and the real servers they start.

import path from "node:path";

/** Where cargo put the server binaries: $CARGO_TARGET_DIR (relative to the
 * repository root when it is relative), or the root's `target`. */
export function cargoTarget(): string {
  const root = path.resolve(__dirname, "..");
  return path.resolve(root, process.env.CARGO_TARGET_DIR || "target");
}

/** A port from the environment variable `name`, or `fallback` if unset. */
export function port(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(`${name} must be a port number (1 to 65535), not ${JSON.stringify(text)}`);
  }
  return n;
}

export const chromium = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

/** A real bank (fresh SQLite file, serving the wallet page) and a real
 * seller server (its own SQLite file, the demo newspaper) on these ports,
 * always started fresh: never reuse a server found listening there (it may
 * be another run's, with other data, or built from other code); a port in
 * use fails the run instead. */
export function servers(bankPort: number, shopPort: number, operatorToken: string, shopOperatorToken: string) {
  return [
    {
      command: `bash ./start-bank.sh ${bankPort}`,
      url: `http://127.0.0.1:${bankPort}/v1/health`,
      reuseExistingServer: false,
      timeout: 120_000,
      env: { HALFPENNY_OPERATOR_TOKEN: operatorToken },
    },
    {
      command: `bash ./start-shop.sh ${shopPort} ${bankPort}`,
      url: `http://127.0.0.1:${shopPort}/`,
      reuseExistingServer: false,
      timeout: 120_000,
      env: { SHOP_OPERATOR_TOKEN: shopOperatorToken },
    },
  ];
}
