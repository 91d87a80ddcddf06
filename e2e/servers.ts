// What both Playwright configs share: Debian's Chromium (never a downloaded
// browser, see ../shared/BRIEF.md) and the real servers they start.

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
 * seller server (its own SQLite file, the demo newspaper) on these ports. */
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
