// Sign up and log in. Sign-up shows the account's API key once (for the CLI
// and scripts); the site itself keeps only a login token.
import { account, api, session } from "../api.js";
import { navigate } from "../app.js";
import { clearFieldErrors, field, h } from "../dom.js";
import { formError } from "./form-error.js";

export function render(main, { mode }) {
  const signup = mode === "signup";
  const params = new URLSearchParams(location.search);
  const next = safeNext(params.get("next"));
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: signup ? "new-password" : "current-password", required: true, minlength: signup ? 8 : null });
  const submit = h("button", { type: "submit", class: "primary" }, signup ? "Create account" : "Log in");
  const status = h("p", { class: "form-error", role: "alert" });
  const form = h(
    "form",
    { class: "narrow", novalidate: true },
    field("Email", email, { name: "email" }),
    field("Password", password, { name: "password", hint: signup ? "At least 8 characters." : null }),
    status,
    submit,
  );

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    status.textContent = "";
    submit.disabled = true;
    const body = { email: email.value, password: password.value };
    try {
      const created = signup ? await api("POST", "/v1/accounts", body) : null;
      session.set(await api("POST", "/v1/auth/login", body));
      await account.refresh();
      if (created) return showKey(main, created.apiKey, next);
      navigate(next);
    } catch (err) {
      formError(form, status, err);
    } finally {
      submit.disabled = false;
    }
  });

  main.append(
    h("h1", {}, signup ? "Create an account" : "Log in"),
    params.get("expired") ? h("p", { class: "notice" }, "Your session ended; please log in again.") : null,
    form,
    signup ? h("p", {}, "Already have an account? ", h("a", { href: "/login" }, "Log in")) : h("p", {}, "New here? ", h("a", { href: "/signup" }, "Create an account")),
  );
  email.focus();
}

function showKey(main, apiKey, next) {
  main.replaceChildren(
    h("h1", {}, "Your account is ready"),
    h("p", {}, "This is your API key for the command line and scripts. It is shown only now: keep it somewhere safe."),
    h("pre", { class: "secret", "aria-label": "API key" }, apiKey),
    h("p", {}, "To start from Python (standard library only), fetch the client and give it your key:"),
    h("pre", { "aria-label": "Start from Python", "data-testid": "python-start" }, `curl -O ${location.origin}/medusa.py\nexport MEDUSA_URL=${location.origin} MEDUSA_API_KEY=${apiKey}`),
    h("p", {}, "Then ", h("code", {}, "import medusa"), " in a script beside it: see “Use it from Python” in the README."),
    h("p", {}, h("a", { href: next, class: "button primary" }, "Continue")),
  );
}

/** Only same-site paths, so a crafted link cannot send people elsewhere after logging in. */
function safeNext(value) {
  return value && value.startsWith("/") && !value.startsWith("//") ? value : "/jobs";
}
