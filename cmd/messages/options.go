package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/adapters/devtenant"
)

const (
	defaultAPI     = "http://localhost:3010"
	defaultTimeout = 10 * time.Second
	maxCalls       = 1000
	// devClientID is the dev tenant's client that holds read:messages.
	devClientID = "dev-reader"
	// devLoginClientID is the dev tenant's native (public) client, whose
	// redirect URIs are loopback on any port (RFC 8252 §7.3).
	devLoginClientID = "dev-cli"
	// defaultLoginScope is what -login asks for without -scope: the API's
	// permission. offline_access is always added, for a refresh token.
	defaultLoginScope = "read:messages"
)

// options is the resolved configuration of one run.
type options struct {
	api          *url.URL // the API base, without a trailing slash
	path         string   // the path (and query) to call; empty with -print-token alone
	issuer       string   // "https://DOMAIN/", the tenant
	tokenURL     string   // issuer + "oauth/token"
	audience     string
	clientID     string
	clientSecret string
	scopes       []string
	calls        int
	cacheFile    string
	printToken   bool
	timeout      time.Duration
	login        bool // the authorization code grant with PKCE, as a user
	noBrowser    bool // with login: print the URL instead of opening a browser
	redirectPort int  // with login: the loopback redirect's port; 0 = any free one
	dev          bool // -dev: the local dev tenant
	// from names where domain, audience, client-id and client-secret came
	// from: their flag ("-domain"), their variable ("AUTH0_DOMAIN") or "-dev".
	from map[string]string
}

// setting names what sets the value name (a flag's name: "client-id") for a
// hint to say what to change: the flag or variable it came from, or the
// flag for one -dev chose, which reads no AUTH0_* variable for it.
func (o *options) setting(name string) string {
	switch src := o.from[name]; {
	case src != "" && src != "-dev":
		return src
	case src == "-dev" && name == "domain":
		return "-domain, or DEV_TENANT_ADDR as the service has it"
	}
	return "-" + name
}

const usageText = `usage: messages [flags] PATH

Calls PATH (e.g. /api/private-scoped) on the Messages API with an access
token from the Auth0 tenant (client-credentials grant, or with -login a
user's login), and prints each response's status line and body.

Settings come from the flags, then the environment:
  -api URL             API base URL [API_URL] (default ` + defaultAPI + `; with
                       -dev, where "api -dev" listens)
  -domain DOMAIN       Auth0 tenant domain, e.g. example.eu.auth0.com [AUTH0_DOMAIN]
  -audience ID         the API's identifier [AUTH0_AUDIENCE]
  -client-id ID        the M2M application's client id [AUTH0_CLIENT_ID]
  -client-secret S     its client secret [AUTH0_CLIENT_SECRET]; prefer the
                       environment variable: flags show up in ps and shell history
  -scope "A B"         scopes to request (default: all the client was granted,
                       which a client-credentials token carries anyway, as
                       Auth0's; with -login: read:messages); -login adds offline_access
  -dev                 use the local dev tenant of "api -dev": its tenant and
                       API where the service listens with the same DEV_TENANT_ADDR,
                       PORT and HOST (default http://127.0.0.1:3011 and
                       http://127.0.0.1:3010), audience https://messages-api.dev,
                       client dev-reader; the secret of any dev client (e.g.
                       -client-id dev-nobody) is known. Flags (and API_URL) still win.
  -login               log in as a user instead: the authorization code grant
                       with PKCE in the system browser, redirected back to a
                       loopback port (a Native application's client id, no
                       secret; with -dev: dev-cli, users reader and nobody);
                       the token is renewed with its refresh token
  -no-browser          with -login: print the login URL instead of opening it
  -redirect-port N     with -login: listen for the redirect on this loopback
                       port (default: any free one, RFC 8252 §7.3); for a
                       tenant whose callback URLs must match with the port
  -n N                 call PATH N times, reusing one token (default 1)
  -token-cache FILE    keep the token in FILE (mode 0600) for later runs; runs
                       started together share it (FILE.lock) and buy one token
  -print-token         print the access token on stdout (PATH is then optional)
  -timeout D           timeout of each HTTP request (default 10s)
  -insecure            allow an http:// API URL on a host that is not loopback
                       (the token then travels unencrypted)

Flags may come before or after PATH; after "--", nothing is a flag.

Exit codes: 0 every call answered 2xx; 1 a call did not, or no token was
issued (or printed); 2 usage or configuration error.
`

// errHelp asks run to print the usage and exit 0.
var errHelp = errors.New("help requested")

// parseOptions reads the flags (which may come before or after PATH) and
// the environment. Precedence: flags, then -dev's values, then the
// environment, then the defaults. warn receives non-fatal notes.
func parseOptions(args []string, getenv func(string) string, warn io.Writer) (options, error) {
	fs := flag.NewFlagSet("messages", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var (
		api          = fs.String("api", "", "")
		domain       = fs.String("domain", "", "")
		audience     = fs.String("audience", "", "")
		clientID     = fs.String("client-id", "", "")
		clientSecret = fs.String("client-secret", "", "")
		scope        = fs.String("scope", "", "")
		dev          = fs.Bool("dev", false, "")
		calls        = fs.Int("n", 1, "")
		cacheFile    = fs.String("token-cache", "", "")
		printToken   = fs.Bool("print-token", false, "")
		timeout      = fs.Duration("timeout", defaultTimeout, "")
		insecure     = fs.Bool("insecure", false, "")
		loginFlag    = fs.Bool("login", false, "")
		noBrowser    = fs.Bool("no-browser", false, "")
		redirectPort = fs.Int("redirect-port", 0, "")
	)
	// Parse flags interspersed with positional arguments, so both
	// "messages -n 5 /api/private" and "messages /api/private -n 5" work;
	// after "--" every argument is positional, as the flag package has it.
	var positional []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return options{}, errHelp
			}
			return options{}, err
		}
		if fs.NArg() == 0 {
			break
		}
		if endsAtDashDash(fs, rest, len(rest)-fs.NArg()) {
			positional = append(positional, fs.Args()...)
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	var errs []error
	o := options{dev: *dev, from: map[string]string{}, calls: *calls, cacheFile: *cacheFile, printToken: *printToken, timeout: *timeout,
		login: *loginFlag, noBrowser: *noBrowser, redirectPort: *redirectPort}
	if (o.noBrowser || given["redirect-port"]) && !o.login {
		errs = append(errs, errors.New("-no-browser and -redirect-port go with -login"))
	}
	if o.redirectPort < 0 || o.redirectPort > 65535 {
		errs = append(errs, fmt.Errorf("-redirect-port %d: want a port from 1 to 65535 (or 0 for any free one)", o.redirectPort))
	}

	switch len(positional) {
	case 0:
		if !o.printToken {
			errs = append(errs, errors.New("PATH is missing, e.g. /api/private"))
		}
	case 1:
		if strings.TrimSpace(positional[0]) == "" {
			errs = append(errs, errors.New("PATH is empty, e.g. /api/private"))
			break
		}
		p, err := checkPath(positional[0])
		if err != nil {
			errs = append(errs, err)
		}
		o.path = p
	default:
		shown := make([]string, len(positional)) // a URL among them may carry a credential
		for i, p := range positional {
			shown[i] = shownArg(p)
		}
		errs = append(errs, fmt.Errorf("want one PATH, got %d: %q", len(positional), shown))
	}
	if c := o.cacheFile; given["token-cache"] && (strings.TrimSpace(c) == "" || strings.HasSuffix(c, "/") || strings.HasSuffix(c, string(filepath.Separator)) ||
		filepath.Base(c) == "." || filepath.Base(c) == "..") {
		// Refused before anything is fetched: save would make the
		// directory, then fail to write the file, and later runs refuse it.
		errs = append(errs, fmt.Errorf("-token-cache %q is not the path of a file: give one, e.g. ~/.cache/messages/token.json", c))
	}
	// Given empty ("-domain $UNSET"), a flag would fall back, without a
	// word, to -dev's value or the environment's. What the checks below
	// would say of the value it stands for is skipped: said once. (-login
	// has its own word for any -client-secret.)
	emptied := map[string]bool{}
	for _, name := range []string{"api", "domain", "audience", "client-id", "client-secret", "scope"} {
		if given[name] && strings.TrimSpace(fs.Lookup(name).Value.String()) == "" && (name != "client-secret" || !o.login) {
			errs = append(errs, fmt.Errorf("-%s is empty: give a value, or leave the flag out", name))
			emptied[name] = true
		}
	}
	if o.calls < 1 || o.calls > maxCalls {
		errs = append(errs, fmt.Errorf("-n %d: want 1 to %d calls", o.calls, maxCalls))
	}
	if o.timeout <= 0 {
		errs = append(errs, fmt.Errorf("-timeout %s must be positive", o.timeout))
	}

	// fromEnv reads a variable as the service does its own: a value in
	// quotes (docker run --env-file keeps them) would carry them to the
	// tenant, which would refuse the client or the audience, so it is
	// refused here, by name only (it may be the secret).
	fromEnv := func(name string) string {
		v := getenv(name)
		if config.WrappedInQuotes(strings.TrimSpace(v)) {
			errs = append(errs, fmt.Errorf("%s is wrapped in quotes, which would be part of the value: remove them", name))
		}
		return v
	}
	// pick returns the flag when given, else the dev value in -dev mode
	// (when devValue is not empty), else the environment variable.
	pick := func(flagName, flagValue, devValue, envName string) string {
		switch {
		case given[flagName]:
			o.from[flagName] = "-" + flagName
			return strings.TrimSpace(flagValue)
		case *dev && devValue != "":
			o.from[flagName] = "-dev"
			return devValue
		default:
			o.from[flagName] = envName
			return strings.TrimSpace(fromEnv(envName))
		}
	}
	var d devSettings
	var devID string
	if *dev {
		var err error
		if d, err = devTenant(getenv); err != nil {
			return options{}, err
		}
		devID = devClientID
		if o.login {
			devID = devLoginClientID
		}
	}

	// The API: the flag, else API_URL, else where "api -dev" listens with
	// this environment, else the default.
	apiURL := strings.TrimSpace(*api)
	if !given["api"] {
		apiURL = strings.TrimSpace(fromEnv("API_URL"))
	}
	apiURL = cmp.Or(apiURL, d.api, defaultAPI)
	u, err := checkAPI(apiURL, *insecure)
	switch {
	case emptied["api"]:
	case err != nil && apiURL == d.api:
		// Built from the service's HOST and PORT: name those, not a URL
		// nobody gave (PORT=0 has the service pick a port at start).
		errs = append(errs, fmt.Errorf("-dev finds the API at HOST and PORT, as the service does, and %s cannot be called (PORT=0 is known only once it listens): pass -api with the address of its listening line", d.api))
	case err != nil:
		errs = append(errs, err)
	}
	o.api = u

	switch dom := pick("domain", *domain, d.domain, "AUTH0_DOMAIN"); {
	case emptied["domain"]:
	case dom == "":
		errs = append(errs, errors.New("the tenant domain is not set: set AUTH0_DOMAIN (or -domain), e.g. example.eu.auth0.com, or use -dev"))
	default:
		iss, err := auth0.Issuer(dom, true)
		if err != nil {
			errs = append(errs, fmt.Errorf("tenant domain: %w", err))
			break
		}
		o.issuer, o.tokenURL = iss, iss+"oauth/token"
	}
	// The service reads AUTH0_AUDIENCE as a list (a token needs any one);
	// a token request names one, and the tenant knows no API called
	// "https://a,https://b".
	aud := pick("audience", *audience, d.audience, "AUTH0_AUDIENCE")
	switch listed := config.SplitList(aud); {
	case emptied["audience"]:
	case len(listed) == 0:
		errs = append(errs, errors.New("the audience is not set: set AUTH0_AUDIENCE (or -audience) to the API's identifier, e.g. https://messages-api.example.com, or use -dev"))
	case len(listed) == 1:
		o.audience = listed[0]
	case given["audience"]:
		errs = append(errs, fmt.Errorf("-audience %q is a list: a token is requested for one audience; give the one to ask for", aud))
	default:
		errs = append(errs, fmt.Errorf("the audience %q is a list, as the service reads AUTH0_AUDIENCE; a token is requested for one: pass -audience with the one to ask for", aud))
	}
	switch o.clientID = pick("client-id", *clientID, devID, "AUTH0_CLIENT_ID"); {
	case emptied["client-id"]:
	case o.clientID == "":
		app := "machine-to-machine"
		if o.login {
			app = "Native"
		}
		errs = append(errs, fmt.Errorf("the client id is not set: set AUTH0_CLIENT_ID (or -client-id) to your %s application's client id, or use -dev", app))
	default:
		if err := d.checkGrant(o.clientID, o.login); *dev && err != nil {
			return options{}, err // the secret's absence that follows says nothing more
		}
	}
	if o.login {
		// A native app is a public client: a secret shipped in it would not
		// stay secret (RFC 8252 §8.5), so PKCE stands in for it.
		if given["client-secret"] {
			errs = append(errs, errors.New("-login is a public client's login and takes no client secret (PKCE stands in for it)"))
		}
		o.scopes = loginScopes(*scope)
		return o, errors.Join(errs...)
	}
	// The secret: the flag, else a dev client's known secret, else the
	// environment.
	switch {
	case emptied["client-secret"]:
	case given["client-secret"]:
		o.clientSecret, o.from["client-secret"] = *clientSecret, "-client-secret"
		fmt.Fprintln(warn, "messages: warning: -client-secret is visible in the process list and shell history; prefer AUTH0_CLIENT_SECRET")
	case *dev && d.secrets[o.clientID] != "":
		o.clientSecret, o.from["client-secret"] = d.secrets[o.clientID], "-dev"
	default:
		o.clientSecret, o.from["client-secret"] = fromEnv("AUTH0_CLIENT_SECRET"), "AUTH0_CLIENT_SECRET"
	}
	switch {
	case o.clientSecret != "", emptied["client-secret"], emptied["client-id"]:
	case *dev && d.types[o.clientID] == "":
		// Named as unknown: a misspelt dev client would otherwise read
		// as a known one whose secret went missing.
		errs = append(errs, fmt.Errorf("the client secret is not set: set AUTH0_CLIENT_SECRET; %q is not a client of the embedded dev configuration, whose secrets -dev knows (its m2m clients: %s)",
			o.clientID, d.idsOf(devtenant.TypeM2M)))
	default:
		errs = append(errs, errors.New("the client secret is not set: set AUTH0_CLIENT_SECRET"))
	}
	o.scopes = strings.Fields(*scope)
	return o, errors.Join(errs...)
}

// loginScopes is what -login requests: the given scopes (default
// read:messages) and offline_access, so the token can be renewed without a
// new login.
func loginScopes(scope string) []string {
	scopes := strings.Fields(scope)
	if len(scopes) == 0 {
		scopes = []string{defaultLoginScope}
	}
	if !slices.Contains(scopes, "offline_access") {
		scopes = append(scopes, "offline_access")
	}
	return scopes
}

// shownArg is an extra argument as the usage error quotes it: a path or a
// URL without its credentials, a flag or a number as given, anything else
// not at all, since it may be a secret whose flag lost it ("-client-secret=
// s3cret" makes s3cret an argument).
func shownArg(a string) string {
	switch {
	case strings.HasPrefix(a, "/"), strings.Contains(a, "://"):
		return auth0.RedactURL(a)
	case strings.HasPrefix(a, "-"):
		if name, _, ok := strings.Cut(a, "="); ok {
			return name + "=(not shown)" // "-client-secret=s3cret" after "--"
		}
		return a
	case a != "" && strings.Trim(a, "0123456789") == "":
		return a
	}
	return "(not shown)"
}

// endsAtDashDash reports whether fs, parsing args, stopped at a "--" that
// ends the flags rather than at a positional argument: read is how many of
// args it consumed. A "--" that is a string flag's value ends nothing.
func endsAtDashDash(fs *flag.FlagSet, args []string, read int) bool {
	for i := 0; i < read; i++ {
		if args[i] == "--" {
			return i == read-1
		}
		name := strings.TrimPrefix(strings.TrimPrefix(args[i], "-"), "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
				i++ // its value, whatever it is
			}
		}
	}
	return false
}
