// The example SPA: Auth0's SPA SDK pointed at the dev tenant. /config.json
// names the tenant, the client, the audience and the API's base URL.
(async function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const status = (msg) => { $("status").textContent = msg; };

  const cfg = await (await fetch("/config.json", { cache: "no-store" })).json();
  const client = await auth0.createAuth0Client({
    domain: cfg.domain, // "http://127.0.0.1:PORT": the SDK keeps an explicit scheme
    clientId: cfg.clientId,
    authorizationParams: {
      audience: cfg.audience,
      scope: cfg.scope,
      redirect_uri: window.location.origin + "/",
    },
    useRefreshTokens: true,
    cacheLocation: "localstorage",
  });

  const query = new URLSearchParams(window.location.search);
  if (query.has("error")) {
    status(query.get("error") + ": " + (query.get("error_description") || ""));
    window.history.replaceState({}, document.title, "/");
  } else if (query.has("code") && query.has("state")) {
    try {
      await client.handleRedirectCallback();
    } catch (e) {
      status("login failed: " + (e.error_description || e.message));
    }
    window.history.replaceState({}, document.title, "/");
  }

  function decodeClaims(token) {
    const b64 = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(Array.from(atob(b64), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""));
    return JSON.parse(json);
  }

  async function render() {
    const loggedIn = await client.isAuthenticated();
    $("login").disabled = loggedIn;
    $("logout").disabled = !loggedIn;
    if (!loggedIn) {
      $("user").textContent = "";
      $("claims").textContent = "";
      return;
    }
    const user = await client.getUser();
    $("user").textContent = (user && (user.name || user.nickname || user.sub)) || "";
    try {
      $("claims").textContent = JSON.stringify(decodeClaims(await client.getTokenSilently()), null, 2);
    } catch (e) {
      status("no access token: " + (e.error_description || e.message));
    }
  }

  async function call(id, path, withToken) {
    const out = $("result-" + id);
    const headers = {};
    if (withToken && (await client.isAuthenticated())) {
      try {
        headers.Authorization = "Bearer " + (await client.getTokenSilently());
      } catch (e) {
        status("no access token: " + (e.error_description || e.message));
      }
    }
    try {
      const res = await fetch(cfg.apiBaseUrl + path, { headers, cache: "no-store" });
      const body = await res.text();
      const challenge = res.headers.get("WWW-Authenticate");
      out.dataset.status = String(res.status);
      out.textContent = res.status + " " + res.statusText + "\n" + body + (challenge ? "\nWWW-Authenticate: " + challenge : "");
    } catch (e) {
      out.dataset.status = "0";
      out.textContent = "request failed: " + e.message;
    }
  }

  $("login").addEventListener("click", () => client.loginWithRedirect());
  $("logout").addEventListener("click", () => client.logout({ logoutParams: { returnTo: window.location.origin + "/" } }));
  $("call-public").addEventListener("click", () => call("public", "/api/public", false));
  $("call-private").addEventListener("click", () => call("private", "/api/private", true));
  $("call-private-scoped").addEventListener("click", () => call("private-scoped", "/api/private-scoped", true));
  await render();
  document.body.dataset.ready = "true";
})().catch((e) => {
  document.getElementById("status").textContent = "the SPA could not start: " + e.message;
});
