/**
 * The User-Agent header is attacker-controlled text that ends up in the login mail and on the
 * verify page (SECURITY.md T21). Only a label from the fixed vocabulary below ever leaves this
 * module, so no byte of the header is echoed, escaped or not.
 */

type Rule = readonly [pattern: RegExp, label: string]

/** Command-line clients, matched at the start of the header where they put their name. */
const TOOLS: readonly Rule[] = [
  [/^curl\//i, 'curl'],
  [/^Wget\//i, 'Wget'],
]

/**
 * First match wins, so the order matters: Chromium-based browsers also say `Chrome/` and
 * `Safari/`, and every Chrome says `Safari/`. Headless Chrome comes first because it is what
 * link scanners run, and the person approving a login should see that.
 */
const BROWSERS: readonly Rule[] = [
  [/\bHeadlessChrome\//, 'Headless Chrome'],
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\b(?:OPR|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(?:Firefox|FxiOS)\//, 'Firefox'],
  [/\b(?:Chrome|CriOS|Chromium)\//, 'Chrome'],
  [/\bVersion\/\S+ (?:Mobile\/\S+ )?Safari\//, 'Safari'],
]

/** iOS and Android before macOS and Linux: their headers say `like Mac OS X` and `Linux`. */
const SYSTEMS: readonly Rule[] = [
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac(?:intosh| OS X)\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
]

/** Real headers are a few hundred bytes; a 16 KB one is only matched on its start. */
const MAX_UA_LENGTH = 512

const match = (rules: readonly Rule[], ua: string): string | undefined =>
  rules.find(([pattern]) => pattern.test(ua))?.[1]

/**
 * A short, fixed-vocabulary summary of a User-Agent header for people to read ("Firefox on
 * Linux", "Safari on iOS", "curl", "Unknown browser"). Not for access decisions: the header is
 * whatever the client chose to send.
 */
export function describeUserAgent (ua: string | undefined): string {
  const head = (ua ?? '').slice(0, MAX_UA_LENGTH)
  const tool = match(TOOLS, head)
  if (tool !== undefined) return tool
  const browser = match(BROWSERS, head) ?? 'Unknown browser'
  const system = match(SYSTEMS, head)
  return system === undefined ? browser : `${browser} on ${system}`
}
