// The status page's style, apart from its script and markup (status-page.ts), which hashes it for its CSP.

/** The page's CSS: readable at 1280x800 and on a phone, states marked by symbol and word as well as colour. */
export const STYLE = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
  --bad: #b42318; --bad-bg: #fde8e7; --warn: #8a4b00; --warn-bg: #fff1d6; --ok: #1a7f37; --ok-bg: #dff5e3;
  --info: #0b5cad; --info-bg: #e2eefc; --focus: #0b5cad; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9aa5b1; --line: #30363d;
  --panel: #161b22; --bad: #ff8c82; --bad-bg: #3d1512; --warn: #f2c063; --warn-bg: #3a2a08; --ok: #6fdd8b;
  --ok-bg: #0f2e18; --info: #79b8ff; --info-bg: #0c2540; --focus: #79b8ff; } }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
  sans-serif; }
main { max-width: 1400px; margin: 0 auto; padding: 12px 16px 32px; }
h1 { font-size: 1.35rem; margin: 0; }
h1 small { font-weight: 400; color: var(--muted); font-size: 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 0 0 4px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.top { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: baseline; justify-content: space-between; }
.live { color: var(--muted); }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 6px 16px; margin: 12px 0;
  padding: 10px 12px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; }
.facts div { min-width: 0; }
.facts dt { color: var(--muted); font-size: .85rem; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.banner { border: 2px solid; border-radius: 6px; padding: 10px 12px; margin: 12px 0; }
.banner.bad { border-color: var(--bad); background: var(--bad-bg); }
.banner.warn { border-color: var(--warn); background: var(--warn-bg); }
.banner p { margin: 4px 0; }
form { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 8px; }
input, button { font: inherit; padding: 5px 8px; border: 1px solid var(--line); border-radius: 4px;
  background: var(--bg); color: var(--fg); }
button { background: var(--fg); color: var(--bg); border-color: var(--fg); cursor: pointer; }
.tools { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 12px 0 8px; }
.tools input { width: min(28rem, 100%); }
/* Targets are a list of grid rows rather than a <table>: a row off screen is then neither laid out nor painted
   (content-visibility), and a row is a dozen elements without attributes of their own, which is what keeps 6,000
   targets fast. Each cell says what it is in words, so the column heads are only for the eye. Every row has the same
   columns, so they line up. */
#rows { list-style: none; margin: 0; padding: 0; }
.row { display: grid; grid-template-columns: 8rem minmax(0, 1.3fr) 12rem 8.5rem 8rem minmax(0, 1fr); gap: 0 12px;
  padding: 6px; border-bottom: 1px solid var(--line); }
.head { font-size: .85rem; color: var(--muted); border-bottom: 2px solid var(--line); padding-block: 4px; }
#rows > .row { content-visibility: auto; contain-intrinsic-size: auto 3.6rem; }
.row > div { min-width: 0; overflow-wrap: anywhere; }
.row p { margin: 0 0 2px; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 10px; font-weight: 600; font-size: .85rem;
  white-space: nowrap; border: 1px solid; }
.c-failing .badge, .c-held .badge { color: var(--bad); background: var(--bad-bg); }
.c-conflict .badge, .c-rejected .badge, .c-drift .badge { color: var(--warn); background: var(--warn-bg); }
.c-unread .badge { color: var(--info); background: var(--info-bg); }
.c-in-sync .badge { color: var(--ok); background: var(--ok-bg); }
.id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9rem; }
.sub { display: block; color: var(--muted); font: .85rem/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
  sans-serif; }
.err b { color: var(--bad); }
.row button { background: none; color: inherit; border: 0; padding: 0; text-align: left; cursor: pointer; }
.row button::before { content: "▸ "; }
.row button[aria-expanded="true"]::before { content: "▾ "; }
ul.members { margin: 4px 0 0; padding-left: 1.1rem; font-size: .88rem; }
ul.members code { font-size: .88rem; }
ul.members span { color: var(--muted); }
@media (max-width: 720px) {
  .row { display: block; border: 1px solid var(--line); border-radius: 6px; margin-bottom: 10px; padding: 6px 8px; }
  .head { display: none; }
  .row > div { padding: 2px 0; }
  .row > div:empty { display: none; }
  .row > div:nth-child(4), .row > div:nth-child(5) { display: inline-block; margin-right: 1rem; }
}
`;
