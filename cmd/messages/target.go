package main

// What a call is made to: the API's base URL and the path on it, checked
// before a token is fetched for them.

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/example/messages-api/internal/adapters/auth0"
)

// checkAPI validates the API base URL. The token is sent to it, so plain
// http is refused for a host that is not loopback unless insecure is set.
func checkAPI(raw string, insecure bool) (*url.URL, error) {
	shown := auth0.RedactURL(raw) // every error below quotes the URL: never a credential put in it
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("API URL %q is not an absolute http(s) URL such as %s", shown, defaultAPI)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("API URL %q must not have user info, a query or a fragment", shown)
	}
	// Checked before a token is fetched (and billed) for a call that
	// cannot be made: port 0, 99999 or "" ("host:") dials nowhere.
	if p := u.Port(); strings.HasSuffix(u.Host, ":") || p != "" && !validPort(p) {
		return nil, fmt.Errorf("API URL %q has a port that is not 1 to 65535", shown)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !insecure && !auth0.LoopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("API URL %q is plain http on a host that is not loopback: the access token would travel unencrypted; use https (or -insecure)", shown)
		}
	default:
		return nil, fmt.Errorf("API URL %q has scheme %q, want http or https", shown, u.Scheme)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// validPort reports whether p, digits as url.Parse lets through, is a port
// a client can dial: 1 to 65535.
func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// badEscape finds a % that does not start a %XX escape.
var badEscape = regexp.MustCompile(`%([^0-9A-Fa-f]|[0-9A-Fa-f][^0-9A-Fa-f]|[0-9A-Fa-f]?$)`)

// checkPath accepts a path with an optional query, never a URL of its own:
// the token goes only to the configured API.
func checkPath(p string) (string, error) {
	u, err := url.Parse(p)
	isURL := strings.Contains(p, "://") || strings.HasPrefix(p, "//") // said as one below
	if err != nil && !isURL && (strings.ContainsFunc(p, unicode.IsControl) || badEscape.MatchString(p)) {
		// Quoted (%q shows a control character as an escape) without
		// credentials, as below.
		return "", fmt.Errorf("PATH %q is not a path such as /api/private: it holds a control character or a %% not followed by two hex digits", auth0.RedactURL(p))
	}
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(p, "//") || u.Fragment != "" {
		// Quoted without credentials: a URL given here may carry them.
		return "", fmt.Errorf("PATH %q must be a path on the API such as /api/private, not a URL (set the API with -api or API_URL)", auth0.RedactURL(p))
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p, nil
}
