/**
 * The local UI's first page on a node that has no token yet: the volunteer
 * types the code the site's "Add a node" showed. Styles are the running
 * page's (page.ts); after activation the page reloads into it.
 */
export const ACTIVATION_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Activate this Medusa node</title>
<link rel="stylesheet" href="/ui.css">
<script type="module" src="/activate.js"></script>
</head>
<body>
<header><h1>Activate this Medusa node</h1></header>
<main>
  <p>On the Medusa site, open <strong>Nodes</strong>, choose <strong>Add a node</strong> and type the code it shows here. It is valid for 15 minutes, once.</p>
  <form id="activate" novalidate>
    <div class="control">
      <label for="gateway">Site address</label>
      <input id="gateway" name="gateway" type="url" inputmode="url" autocomplete="url" placeholder="https://medusa.example.org" required>
    </div>
    <div class="control">
      <label for="code">Activation code</label>
      <input id="code" name="code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" placeholder="ABCDE-FGHJK" maxlength="40" required>
    </div>
    <button id="submit" type="submit">Activate</button>
  </form>
  <p id="message" role="status" aria-live="polite"></p>
</main>
</body>
</html>
`;

export const ACTIVATION_JS = `const $ = (id) => document.getElementById(id);
const say = (text, isError) => { $("message").textContent = text; $("message").className = isError ? "error" : ""; };

fetch("/api/activation", { cache: "no-store" }).then((r) => r.json()).then((s) => { if (s.gateway && !$("gateway").value) $("gateway").value = s.gateway; });

$("activate").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("submit").disabled = true;
  say("Activating…", false);
  try {
    const res = await fetch("/api/activate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ gateway: $("gateway").value.trim(), code: $("code").value }) });
    const body = await res.json();
    if (!res.ok) {
      say(body.error.message, true);
      const field = body.error.details && body.error.details.issues && body.error.details.issues[0].field;
      if (field && $(field)) $(field).focus();
      return;
    }
    say("Activated as " + body.name + ". Starting the node…", false);
    // The node's usual page takes over once it has started: its status answers then.
    const poll = setInterval(async () => {
      const status = await fetch("/api/status", { cache: "no-store" }).catch(() => null);
      if (status && status.ok) { clearInterval(poll); location.reload(); }
    }, 1000);
  } catch (err) {
    say("Could not reach the node: " + err.message, true);
  } finally {
    $("submit").disabled = false;
  }
});
`;
