/**
 * The one HTML page every site path returns. The header is plain HTML so it
 * paints before any script runs; the router (assets/app.js) fills <main>.
 * Page modules the first screen needs are preloaded alongside app.js.
 */
export function shellHtml(assetUrl: (name: string) => string): string {
  const preload = ["api.js", "dom.js"].map((n) => `<link rel="modulepreload" href="${assetUrl(n)}">`).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Medusa</title>
<meta name="description" content="Medusa: run your program on volunteers' computers, chunk by chunk, live.">
<link rel="stylesheet" href="${assetUrl("style.css")}">
<link rel="icon" href="${assetUrl("icon.svg")}" type="image/svg+xml">
<script type="module" src="${assetUrl("app.js")}"></script>
${preload}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">Medusa</a>
  <nav id="nav" aria-label="Main" hidden>
    <a href="/jobs">Jobs</a>
    <a href="/jobs/new">New job</a>
    <a href="/sessions">Sessions</a>
    <a href="/files">Files</a>
    <a href="/nodes">Nodes</a>
    <a href="/ledger">Ledger</a>
  </nav>
  <div id="account" class="account" hidden>
    <span class="balance" aria-live="polite"><span class="label">Credits</span> <strong id="available" data-testid="balance">—</strong> <span id="held"></span></span>
    <span id="who" class="who"></span>
    <button id="logout" type="button">Log out</button>
  </div>
</header>
<main id="main" tabindex="-1"><p class="loading">Loading…</p></main>
<noscript><p class="notice">This site needs JavaScript. The same things can be done with the HTTP API: see the README.</p></noscript>
</body>
</html>
`;
}
